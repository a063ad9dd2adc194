// The dashboard's words. Every visible string comes from the server (gettext in
// django_livechat/views.py, the page config's ``strings``), so the page speaks the agent's
// language; this module only fills their named placeholders: "{count} unread".

/** ``template`` with each ``{name}`` replaced by ``values[name]`` (unknown names stay). */
export function format(template, values = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** ``t(key, values)``: the server's string for ``key``, formatted; the key itself if missing. */
export function translator(strings) {
  return (key, values) => format(strings && key in strings ? strings[key] : key, values);
}

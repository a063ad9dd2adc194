/**
 * The widget's CSS, inside its shadow root. ``:host`` rules are !important: in the
 * cascade an important declaration of the shadow tree beats the page's important ones,
 * so global rules such as ``* { … !important }`` cannot reach the widget; ``all:initial``
 * already resets every other property of the host (size, margin, opacity, transform…). Sizes are in
 * px, never rem, which the page's root font size would scale.
 */
export const STYLESHEET = `
:host{all:initial!important;position:fixed!important;z-index:2147483647!important;display:block!important;inset:auto 20px 20px auto!important}
:host([data-position=left]){inset:auto auto 20px 20px!important}
.lc{--brand:#0b6e4f;--on-brand:#fff;--bg:#fff;--fg:#1f2933;--muted:#5f6b7a;--line:#d9dee3;--bubble:#eef1f4;--danger:#c0262d;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);text-align:left;-webkit-text-size-adjust:100%}
.lc[data-theme=dark]{--bg:#1d232b;--fg:#e8edf2;--muted:#a3adb8;--line:#38414c;--bubble:#2b333d;--danger:#ff7b80}
@media (prefers-color-scheme:dark){.lc[data-theme=auto]{--bg:#1d232b;--fg:#e8edf2;--muted:#a3adb8;--line:#38414c;--bubble:#2b333d;--danger:#ff7b80}}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button{font:inherit;color:inherit;cursor:pointer;margin:0}
button:focus-visible,textarea:focus-visible,.log:focus-visible{outline:2px solid var(--brand);outline-offset:2px}
svg{width:24px;height:24px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.launcher{position:relative;display:grid;place-items:center;width:60px;height:60px;padding:0;border:0;border-radius:50%;background:var(--brand);color:var(--on-brand);box-shadow:0 6px 20px rgba(0,0,0,.28)}
.launcher svg{width:30px;height:30px}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:var(--danger);color:#fff;font-size:13px;font-weight:700;line-height:22px;text-align:center}
.panel{position:absolute;right:0;bottom:76px;display:flex;flex-direction:column;width:min(380px,calc(100vw - 40px));height:min(580px,calc(100vh - 116px));background:var(--bg);border:1px solid var(--line);border-radius:16px;box-shadow:0 16px 48px rgba(0,0,0,.28);overflow:hidden}
:host([data-position=left]) .panel{right:auto;left:0}
header{display:flex;align-items:center;gap:4px;padding:12px 8px 12px 18px;background:var(--brand);color:var(--on-brand)}
.heading{flex:1;min-width:0}
h2{margin:0;font-size:17px;font-weight:650;line-height:1.3}
.status{display:flex;align-items:center;gap:6px;margin:0;font-size:13px;opacity:.92}
.status::before{content:"";width:8px;height:8px;border-radius:50%;background:#a8b3bf}
.status[data-status=online]::before{background:#46e0a5}
.status[data-status=away]::before{background:#f5c451}
.replies{margin:0;font-size:13px;opacity:.92}
.icon{display:grid;place-items:center;width:44px;height:44px;padding:0;border:0;border-radius:10px;background:none}
.icon:hover{background:rgba(127,127,127,.22)}
.log{flex:1;display:flex;flex-direction:column;gap:10px;padding:14px;overflow-y:auto;overscroll-behavior:contain}
.msg{display:flex;flex-direction:column;align-items:flex-start;max-width:85%}
.msg.user{align-self:flex-end;align-items:flex-end}
.bubble{padding:9px 13px;border-radius:16px 16px 16px 4px;background:var(--bubble);white-space:pre-wrap;overflow-wrap:anywhere}
.user .bubble{border-radius:16px 16px 4px 16px;background:var(--brand);color:var(--on-brand)}
.bubble a{color:inherit;text-decoration:underline}
.who,.meta{margin:0 6px;font-size:12px;color:var(--muted)}
.failed .meta{color:var(--danger)}
.failed .bubble{opacity:.75}
.meta button{padding:0 4px;border:0;background:none;font-size:12px;font-weight:700;text-decoration:underline}
.note{align-self:center;max-width:92%;margin:0;font-size:13px;color:var(--muted);text-align:center}
.note.error{color:var(--danger)}
.away{padding:0 16px 8px}
.hint{margin:0;padding:0 16px;font-size:13px;color:var(--muted)}
.hint:empty{display:none}
textarea[aria-invalid]{border-color:var(--danger)}
.send[aria-disabled=true]{opacity:.6;cursor:default}
.typing{margin:0;padding:0 16px 8px;font-size:13px;font-style:italic;color:var(--muted)}
form{display:flex;align-items:flex-end;gap:8px;margin:0;padding:10px;border-top:1px solid var(--line)}
textarea{flex:1;min-width:0;min-height:44px;max-height:132px;margin:0;padding:10px 12px;border:1px solid var(--line);border-radius:12px;background:var(--bg);color:var(--fg);font:inherit;font-size:16px;line-height:1.4;resize:none}
textarea::placeholder{color:var(--muted);opacity:1}
.send{height:44px;padding:0 18px;border:0;border-radius:12px;background:var(--brand);color:var(--on-brand);font-size:16px;font-weight:650}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@media (max-width:480px){.panel{position:fixed;inset:0;width:auto;height:auto;border:0;border-radius:0}.lc[data-open] .launcher{display:none}}
`;

/** The extras' CSS, added to the widget's shadow root when they load (see styles.js). */
export const EXTRAS_STYLESHEET = `
.pc{flex:1;display:flex;flex-direction:column;gap:12px;margin:0;padding:14px 16px;border:0;overflow-y:auto}
.pc p{margin:0}
.field label,.card>label{display:block;margin-bottom:4px;font-size:14px;font-weight:600}
.field input,.field select,.field textarea,.card input,.card textarea{display:block;width:100%;min-height:44px;margin:0;padding:8px 12px;border:1px solid var(--line);border-radius:10px;background:var(--bg);color:var(--fg);font:inherit;font-size:16px}
.check{display:grid;grid-template-columns:auto 1fr;gap:4px 10px;align-items:start;font-size:14px}
.check input{width:22px;height:22px;margin:1px 0 0;accent-color:var(--brand)}
.check .err{grid-column:1/-1}
.err{margin:4px 0 0;font-size:13px;color:var(--danger)}
.err:empty{display:none}
[aria-invalid=true]{border-color:var(--danger)!important}
input:focus-visible,select:focus-visible,textarea:focus-visible,a:focus-visible,.note:focus-visible{outline:2px solid var(--brand);outline-offset:2px}
.btn{min-height:44px;padding:0 18px;border:0;border-radius:12px;background:var(--brand);color:var(--on-brand);font-weight:650}
.btn:disabled{opacity:.6}
.link{min-height:44px;padding:0 8px;border:0;background:none;text-decoration:underline}
.person{align-self:center;min-height:32px;margin:0 0 8px;font-size:13px}
.card{display:flex;flex-direction:column;gap:8px;align-self:stretch;margin:0;padding:12px;border:1px solid var(--line);border-radius:12px;font-size:14px}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.stars{display:flex;gap:2px;margin:0;padding:0;border:0}
.stars legend{margin-bottom:4px;padding:0;font-weight:600}
.stars label{display:grid;place-items:center;width:44px;height:44px;border-radius:10px;color:var(--muted);font-size:28px;cursor:pointer}
.stars label.on{color:#b45309}
.stars input:focus-visible+label{outline:2px solid var(--brand);outline-offset:-2px}
.file{display:block;color:inherit;text-decoration:underline}
.file img{display:block;max-width:100%;max-height:240px;border-radius:8px}
.bar{height:4px;min-width:140px;margin-top:6px;border-radius:2px;background:rgba(127,127,127,.35);overflow:hidden}
.bar i{display:block;width:0;height:100%;background:currentColor}
`;

/** The page's style sheet: inline, so the file opens with no network. */
export const CSS = `
:root{--bg:#f4f5f7;--panel:#fff;--ink:#1f2933;--muted:#6b7785;--line:#e4e7eb;--accent:#4f6bed;--best:#e8590c;
--ok:#2f9e44;--warn:#f08c00;--bad:#e03131;--run:#1c7ed6;--wait:#adb5bd;
--font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{scroll-behavior:smooth;scroll-padding-top:64px}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 var(--font);-webkit-font-smoothing:antialiased}
header.top{position:sticky;top:0;z-index:5;background:#111827;color:#e5e7eb;box-shadow:0 1px 0 rgba(0,0,0,.2)}
.top-inner{max-width:1320px;margin:0 auto;padding:10px 24px;display:flex;align-items:center;gap:24px;flex-wrap:wrap}
.brand{font-weight:700;letter-spacing:.2px;color:#fff}.brand span{color:#9aa5b1;font-weight:500}
.study{font-weight:600;color:#fff;overflow-wrap:anywhere}
nav{margin-left:auto;display:flex;gap:4px;flex-wrap:wrap}
nav a{color:#cbd2d9;text-decoration:none;padding:4px 8px;border-radius:6px;font-size:13px;white-space:nowrap}
nav a:hover{background:#1f2937;color:#fff}
main{max-width:1320px;margin:0 auto;padding:20px 24px 40px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin:0 0 20px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
h2{margin:0 0 4px;font-size:18px;letter-spacing:-.1px}
h3{margin:18px 0 10px;font-size:15px}
h4{margin:0 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.lead{margin:0 0 14px;color:var(--muted)}
.muted{color:var(--muted);font-weight:400}
.empty{color:var(--muted);font-style:italic;margin:8px 0}
code,pre{font-family:var(--mono);font-size:12.5px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(178px,1fr));gap:12px;margin:12px 0 18px}
.card{border:1px solid var(--line);border-radius:10px;padding:12px 14px;background:#fbfcfd;min-width:0}
.card-label{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.card-value{font-size:26px;font-weight:700;margin:2px 0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.card-value .of{font-size:15px;font-weight:500;color:var(--muted)}
.card-value .mono-ish{font-size:22px}
.card-sub{font-size:12.5px;color:var(--muted)}
.card-best{background:linear-gradient(180deg,#fff7f0,#fff);border-color:#ffd8bf}.card-best .card-value{color:var(--best)}
.statebar{display:flex;height:8px;border-radius:4px;overflow:hidden;background:var(--line);margin:6px 0}
.seg{display:block;min-width:3px}
.legend{display:flex;flex-wrap:wrap;gap:2px 10px}.legend-item{white-space:nowrap}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:4px;vertical-align:0}
.st-complete{background:var(--ok)}.st-pruned{background:var(--warn)}.st-failed{background:var(--bad)}.st-running{background:var(--run)}.st-waiting{background:var(--wait)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 20px;margin:0}
.narrow{width:1%;white-space:nowrap}
.facts dt{color:var(--muted);font-size:13px}.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.k{color:var(--muted);font-size:12px;margin-right:2px}
.chips{display:flex;flex-wrap:wrap;gap:4px}
.chip{display:inline-flex;align-items:baseline;gap:0;border:1px solid var(--line);background:#f8f9fb;border-radius:999px;padding:1px 8px;font-size:12px;font-family:var(--mono);white-space:nowrap;margin:1px 2px 1px 0}
.chip-k{color:var(--muted)}.chip-k::after{content:"=";margin-right:1px}
.label-chip{font-family:var(--font);font-size:12.5px;background:#eef1fd;border-color:#d7defb}
.chart{margin:8px 0 0;overflow-x:auto}.chart svg{max-width:100%;height:auto;display:block}
.table-wrap{overflow:auto;border:1px solid var(--line);border-radius:10px}
.table-wrap.tall{max-height:620px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
tbody tr:last-child td,tbody tr:last-child th{border-bottom:0}
thead th{position:sticky;top:0;background:#f8f9fb;z-index:1;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;white-space:nowrap}
.num{text-align:right}
th button{all:unset;cursor:pointer;display:inline-flex;gap:4px;align-items:flex-end}
th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px;border-radius:3px}
th button:hover{color:var(--accent)}
th[aria-sort=ascending] button::after{content:"▲";font-size:9px;margin-bottom:2px}
th[aria-sort=descending] button::after{content:"▼";font-size:9px;margin-bottom:2px}
th[aria-sort]{color:var(--ink)}
.leaderboard tbody tr:hover{background:#f6f8ff}
.leaderboard tr.is-best{background:#fff7f0}.leaderboard tr.is-best td:nth-child(2){font-weight:700;color:var(--best)}
.leaderboard tr.is-stopped td{color:#52606d}
.leaderboard th,.leaderboard td{padding:7px 7px;white-space:nowrap}
.leaderboard thead th{white-space:normal;vertical-align:bottom;line-height:1.25;text-transform:none;letter-spacing:0;font-size:12.5px}
.leaderboard td.pv{font-family:var(--mono);font-size:12.5px;color:#3e4c59}
.leaderboard thead th.pcol{text-transform:none;letter-spacing:0;font-family:var(--mono);font-size:12px;font-weight:500;vertical-align:bottom}
.pk small{display:block;font-size:10.5px;color:#9aa5b1;line-height:1.2}
.leaderboard td.notes{font-size:12.5px;color:var(--muted);white-space:normal}
.reason{min-width:120px;max-width:240px;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11.5px;font-weight:600;color:#fff;text-transform:lowercase}
.badge.st-waiting{color:#343a40}
.recipe-head{display:flex;gap:24px;align-items:center;flex-wrap:wrap;margin:6px 0 10px}
.recipe-title{font-size:20px}.recipe-title b{color:var(--best)}
.stats{display:flex;flex-wrap:wrap;gap:8px}
.stat{border:1px solid var(--line);border-radius:8px;padding:6px 12px;background:#fbfcfd}
.stat-k{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}.stat-v{font-weight:700;font-size:16px;font-variant-numeric:tabular-nums}
.meta-line{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0 0 10px}
.notes-list{margin:0 0 12px;padding:8px 12px 8px 30px;background:#fff9db;border:1px solid #ffec99;border-radius:8px}
.recipe-grid{display:grid;grid-template-columns:minmax(0,1.3fr) minmax(0,1fr);gap:18px;margin-top:10px}
.pgroups{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px;align-content:start}
.pgroup{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.kv th,.kv td{padding:3px 0;border:0;font-size:13px}.kv th{font-weight:500;color:#3e4c59;padding-right:12px;overflow-wrap:anywhere}.kv td{text-align:right}
.yaml{border-radius:10px;background:#0f172a;color:#e2e8f0;overflow:hidden;align-self:start}
.yaml-title{font:12px var(--mono);color:#94a3b8;padding:8px 14px;border-bottom:1px solid #1e293b}
.yaml pre{margin:0;padding:12px 14px;overflow:auto;max-height:520px;line-height:1.55}
.split-grid{display:grid;grid-template-columns:minmax(0,auto) minmax(320px,1fr);gap:20px;align-items:start}
.perclass th[scope=row]{font-weight:600;overflow-wrap:anywhere}
.perclass th,.perclass td{vertical-align:middle}
.f1{white-space:nowrap}
.meter{display:inline-block;width:64px;height:6px;border-radius:3px;background:#e9ecf5;margin-right:8px;vertical-align:middle;overflow:hidden}
.meter span{display:block;height:100%;background:var(--accent);border-radius:3px}
pre.error{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;color:#c92a2a;font-size:12px;max-width:640px}
details summary{cursor:pointer;color:var(--accent)}details .chips{margin-top:6px}
.pruned-list{margin:0;padding-left:18px}.pruned-list li{margin:3px 0}.count{font-weight:700;font-variant-numeric:tabular-nums}
.grid-2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:24px;align-items:start}
.fig{min-width:0}.fig h3{margin:6px 0 4px}
.note{margin:6px 0 0;color:var(--muted);font-size:12.5px}
.warn{margin:0 0 12px;padding:8px 12px;background:#fff9db;border:1px solid #ffec99;border-radius:8px;font-size:13px}
.kpis{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0 0 6px;color:var(--muted);font-size:13px}
.kpi{font-size:20px;font-weight:700;color:var(--ink);font-variant-numeric:tabular-nums;margin-right:4px}
.table-foot{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:8px;margin-top:10px;font-size:13px;color:var(--muted)}
.btn{font:inherit;font-size:13px;border:1px solid #c9d1f7;background:#eef1fd;color:#2b3fa8;border-radius:8px;padding:5px 12px;cursor:pointer}
.btn:hover{background:#e2e7fc}.btn:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.reason.flag{color:#8a5a00}.reason.flag::before{content:"⚠ ";}
.flag-list{list-style:none;margin:0;padding:0;display:grid;gap:8px}
.flag-list li{border:1px solid #ffec99;background:#fffcf0;border-radius:8px;padding:8px 12px}
.note-text{font-weight:600;overflow-wrap:anywhere}
.badge-best{background:var(--best);margin-left:6px;vertical-align:1px}
.gap-table th,.gap-table td{padding:6px 9px}
.gap-table tr.is-best td{background:#fff7f0}
td.gap{font-weight:600}.gap-ok{color:var(--ok)}.gap-warn{color:#b36b00}.gap-bad{color:var(--bad)}
.gap-grid{grid-template-columns:minmax(0,1.15fr) minmax(0,1fr)}
.ci{font-size:12.5px;color:#7a3b0c;margin:0 0 2px}.ci b{font-variant-numeric:tabular-nums}
.ci-how{border-bottom:1px dotted currentColor;cursor:help}
.chip-k2{color:var(--muted);margin-left:4px}
.tag{font-size:11.5px;background:#f1f3f5;border:1px solid var(--line);border-radius:4px;padding:0 5px;color:var(--muted)}
pre.cmd{margin:6px 0 8px;padding:8px 12px;background:#f8f9fa;border:1px solid var(--line);border-radius:8px;overflow:auto}
.warn.stale,.warn.invalid{border-color:#ffc078;background:#fff4e6}
.confirm-winner{margin:0 0 14px;padding:10px 14px;border:1px solid #ffd8a8;background:#fff7f0;border-radius:10px;font-size:13.5px}
.cw-title{font-size:15px;margin-bottom:2px}.cw-title b{color:var(--best)}
.confirm-table th,.confirm-table td,.ablation-table th,.ablation-table td{padding:6px 9px}
.confirm-table tr.is-best td{background:#fff7f0}
.ablation-table tbody th{font-weight:500;text-align:left;overflow-wrap:anywhere}
.ablation-table tr.is-full td,.ablation-table tr.is-full th{background:#f8f9fa}
.ablation-table tr.is-baseline td,.ablation-table tr.is-baseline th{border-top:2px solid var(--line)}
.ablation-table td.verdict{white-space:nowrap}
.confirm-table td.num,.ablation-table td.num{white-space:nowrap}
#chart-confirm,#chart-ablation{margin-top:12px}
.v-helps td.verdict{color:var(--ok);font-weight:600}.v-hurts td.verdict{color:var(--bad);font-weight:600}.v-not-distinguishable td.verdict{color:var(--muted)}
footer{max-width:1320px;margin:0 auto;padding:0 24px 32px;color:var(--muted);font-size:12px}
@media (max-width:1340px){.top-inner{flex-wrap:nowrap;gap:16px}.brand,.study{white-space:nowrap}.brand{flex-shrink:0}.study{flex-shrink:0;overflow:hidden;text-overflow:ellipsis;max-width:30vw}nav{flex-wrap:nowrap;overflow-x:auto;scrollbar-width:thin;min-width:0}}
@media (max-width:1100px){.split-grid{grid-template-columns:1fr}.grid-2,.gap-grid{grid-template-columns:1fr}}
@media (max-width:900px){.recipe-grid{grid-template-columns:1fr}nav{margin-left:0}}
@media print{header.top{position:static}.table-wrap.tall{max-height:none}}
`;

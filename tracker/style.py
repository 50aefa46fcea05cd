"""Page-wide stylesheets: narrow screens (phones), print, meeting mode and its dark theme.

Parts of a page that differ by medium sit in keyed containers (Streamlit gives them the class `st-key-<key>`):
`tr_wide` (desk), `tr_narrow` (phone, ≤ 640 px), `tr_print` (paper), `tr_phonebar` (the phone's area picker),
`tr_crumbs` (the breadcrumb buttons; on a phone the picker, fixed under the header,
takes their place), `tr_noprint` (controls with no use on paper), `tr_cards` (the cards).
"""

from __future__ import annotations

BASE_CSS = """
<style>
.st-key-tr_narrow, .st-key-tr_print, .st-key-tr_phonebar {display:none}
@media (max-width: 640px) {
  .st-key-tr_wide, .st-key-tr_crumbs {display:none}
  .st-key-tr_narrow {display:block}
  .st-key-tr_phonebar {display:block;position:fixed;top:3.75rem;left:0;right:0;z-index:990;background:#fff;
                       padding:2px 0.6rem 4px 0.6rem;border-bottom:1px solid #e3e6ea}
  .block-container {padding-left:0.6rem !important;padding-right:0.6rem !important;padding-top:7rem !important}
  .st-key-tr_cards [data-testid="stHorizontalBlock"] {flex-wrap:wrap;gap:0.5rem}
  .st-key-tr_cards [data-testid="stColumn"] {min-width:calc(50% - 0.5rem) !important;flex:1 1 calc(50% - 0.5rem) !important}
  /* the cards' own stylesheet comes later in the page: these need the card's class to win over it */
  div.tr-card {min-height:0;padding:6px 8px}
  .tr-card .tr-value {font-size:1.35rem;white-space:nowrap}  /* 5,360.7万元 on one line */
  .tr-card .tr-line {font-size:0.8rem}
  h3 {font-size:1.1rem !important;word-break:keep-all;overflow-wrap:anywhere}  /* "（第49|周）": break at its spaces */
  .st-key-tr_laggards li {word-break:keep-all;overflow-wrap:anywhere}  /* at its commas, not in "差228|人" */
  /* a touch shows a data grid's toolbar above it: room for it, so that it does not cover the chart's axis above */
  [data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"] > [data-testid="stDataFrame"]) {margin-top:2.75rem}
}
.tr-seg {display:inline-block;max-width:100%}
ul.tr-recs {list-style:none;padding:0;margin:0}
ul.tr-recs li {border:1px solid #e3e6ea;border-radius:6px;padding:6px 8px;margin-bottom:6px;font-size:0.9rem}
ul.tr-recs .tr-k {color:#666;margin-right:4px}
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDownloadButton"], [data-testid="stExpander"], .stButton,
  [data-testid="stSelectbox"], [data-testid="stStatusWidget"], [class*="st-key-tr_noprint"], .st-key-tr_phonebar,
  .st-key-tr_wide, .st-key-tr_narrow, .st-key-tr_crumbs {display:none !important}
  .st-key-tr_print {display:block !important}
  .block-container {max-width:100% !important;padding:0 !important}
  .tr-card {break-inside:avoid;min-height:0}
  [data-testid="stPlotlyChart"], table.tr-rank tr, .tr-card {break-inside:avoid;page-break-inside:avoid}
  table.tr-rank {font-size:9pt}
}
</style>
"""

MEETING_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display:none}
.block-container {padding:0.8rem 1.5rem 2rem 1.5rem !important;max-width:100%}  /* the projector's whole width */
.tr-card .tr-value {font-size:2.6rem;line-height:1.2;white-space:nowrap}
.tr-card .tr-title {font-size:1.15rem}  /* 有组织跨地市转移 and its badge on one line at 1280 px */
.tr-card .tr-line {font-size:1.05rem;line-height:1.4}
div.tr-card {min-height:0;padding:8px 12px}
table.tr-rank {font-size:1.45rem}
table.tr-rank th {font-size:1.2rem}
table.tr-rank td, table.tr-rank th {padding:6px 12px}
.tr-badge {font-size:1.05rem}
.tr-card .tr-badge {font-size:0.9rem}
h1, h2, h3 {font-size:2rem !important}
h4 {font-size:1.6rem !important}
[data-testid="stMarkdownContainer"] li, [data-testid="stMarkdownContainer"] p {font-size:1.25rem}
</style>
"""

DARK_CSS = """
<style>
.stApp, [data-testid="stAppViewContainer"], .block-container {background:#0b0f14 !important;color:#f3f4f6}
.stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp h5, .stApp p, .stApp li, .stApp label, .stApp span {color:#f3f4f6}
.tr-card {background:#111827;border-color:#4b5563}
.tr-value, .tr-title, .tr-line {color:#f9fafb}
.tr-src {color:#e5e7eb;border-color:#6b7280}
table.tr-rank th, table.tr-rank td {color:#f9fafb;border-color:#374151}
.tr-move.up {color:#4ade80}
.tr-move.down {color:#f87171}
.stApp button {background:#1f2937;color:#f9fafb;border-color:#6b7280}
/* the dropdowns (ranking metric, auto-advance) and their open lists: white boxes glare on a projector */
.stApp [data-testid="stSelectbox"] [role="group"], .stApp [data-testid="stSelectbox"] input {
  background:#1f2937 !important;color:#f9fafb !important;border-color:#6b7280 !important}
.stApp [data-testid="stSelectbox"] button {background:transparent}
.stApp [data-testid="stSelectbox"] svg {color:#f9fafb;fill:#f9fafb}
[role="listbox"], [role="listbox"] [role="option"] {background:#1f2937 !important;color:#f9fafb !important}
[role="listbox"] [role="option"][data-focused], [role="listbox"] [role="option"][aria-selected="true"] {background:#374151 !important}
.stApp [data-testid="stExpander"] details {border-color:#4b5563}
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] * {color:#d1d5db}
/* notices (e.g. 本周数据沿用上周的县区): the light theme's pale boxes under white text could not be read; each kind keeps
   its colour */
.stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentWarning"]) {background:#3a2e0a !important}
.stApp [data-testid="stAlertContentWarning"] * {color:#fde68a !important}
.stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentSuccess"]) {background:#0f2e1a !important}
.stApp [data-testid="stAlertContentSuccess"] * {color:#bbf7d0 !important}
.stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentInfo"]) {background:#0c2440 !important}
.stApp [data-testid="stAlertContentInfo"] * {color:#bfdbfe !important}
.stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentError"]) {background:#3b0d0d !important}
.stApp [data-testid="stAlertContentError"] * {color:#fecaca !important}
</style>
"""

# Streamlit's own English in a Chinese page: the file uploader's button and size note (no parameter for either), and
# the toolbar's menu (Rerun, Settings, Print…: the browser's own print uses the print stylesheet)
ZH_WIDGETS_CSS = """
<style>
[data-testid="stMainMenu"] {display:none}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {display:none}
[data-testid="stFileUploaderDropzone"] button > div::after {content:"选择文件"}
[data-testid="stFileUploaderDropzoneInstructions"] span {display:none}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {content:"拖放文件到此处，单个文件不超过200MB";font-size:0.8rem;color:#666}
</style>
"""

# Streamlit's "Page not found" notice (a mistyped or old address) is written in the browser in English, with no setting:
# in a Chinese page, a watcher rewrites its words as they appear (installed once per browser tab)
ZH_NOTICES_JS = """<script>
(() => {
  if (window.__trZhNotices) return;
  window.__trZhNotices = true;
  const words = [
    [/^Page not found$/, () => "页面不存在"],
    [/^You have requested page \\/(.*), but no corresponding file was found .*\\. Running the app's main page\\.$/,
     m => "您打开的页面 /" + m[1] + " 不存在，已为您打开首页。"],
    [/^The page that you have requested does not seem to exist\\. Running the app's main page\\.$/,
     () => "您打开的页面不存在，已为您打开首页。"],
  ];
  const fix = () => document.querySelectorAll("[role=dialog]").forEach(d => {
    const w = document.createTreeWalker(d, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      const text = n.nodeValue.trim();
      for (const [re, zh] of words) { const m = text.match(re); if (m) { n.nodeValue = zh(m); break; } }
    }
  });
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true, characterData: true});
  fix();
})();
</script>"""

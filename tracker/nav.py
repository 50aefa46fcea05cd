"""The pages, declared once: menu section, file, title key, icon and address. app.py builds the navigation from it;
the browser tests and the load benchmark walk the same list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageDef:
    file: str  # under app_pages/
    title: str  # i18n key
    icon: str
    url_path: str  # "" = the overview, served at the root


HOME = PageDef("overview.py", "overview", ":material/dashboard:", "")
SECTIONS: dict[str, tuple[PageDef, ...]] = {  # i18n key of the menu section -> its pages, in menu order
    "nav_dispatch": (
        HOME,
        PageDef("records.py", "records", ":material/table_rows:", "records"),
        PageDef("submissions.py", "submissions", ":material/outbox:", "submissions"),
        PageDef("reported.py", "reported", ":material/edit_note:", "reported"),
        PageDef("followup.py", "followup", ":material/assignment_late:", "followup"),
    ),
    "nav_analysis": (
        PageDef("channels.py", "channels", ":material/handshake:", "channels"),
        PageDef("destinations.py", "destinations", ":material/explore:", "destinations"),
        PageDef("industries.py", "industries", ":material/factory:", "industries"),
        PageDef("groups.py", "groups", ":material/groups:", "groups"),
        PageDef("duration_income.py", "duration_income", ":material/payments:", "duration-income"),
        PageDef("changes.py", "changes", ":material/compare_arrows:", "changes"),
        PageDef("quality.py", "quality", ":material/fact_check:", "quality"),
    ),
    "nav_admin": (
        PageDef("quotas.py", "quotas", ":material/flag:", "quotas"),
        PageDef("subsidies.py", "subsidies", ":material/savings:", "subsidies"),
        PageDef("upload.py", "upload", ":material/upload_file:", "upload"),
        PageDef("users.py", "users", ":material/manage_accounts:", "users"),
        PageDef("audit.py", "audit", ":material/policy:", "audit"),
    ),
}
PAGES: tuple[PageDef, ...] = tuple(p for ps in SECTIONS.values() for p in ps)
# the pages that read the week's data for an area (what the load benchmark asks for; not the admin forms)
DATA_PAGES = (
    *("", "records", "channels", "destinations", "industries", "groups"),
    *("duration-income", "changes", "quality", "subsidies", "quotas"),
)

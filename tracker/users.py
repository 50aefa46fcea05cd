"""Manage local accounts: `python -m tracker.users add|set|disable|enable|reset|list`.

    python -m tracker.users add zhang --role staff --area 540102 --name 张三     # asks for the password
    echo 'S3cret-pass' | python -m tracker.users reset zhang --password-stdin
    python -m tracker.users set wang --oidc wang@xz.gov.cn                       # map an SSO account
    python -m tracker.users disable zhang
    python -m tracker.users list

Roles: leader (aggregates only), analyst and staff (with masked records), admin (plus data, quotas,
users, audit). The area code is the scope: the user sees every unit whose code starts with it.
Every change is written to the audit log.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from tracker import audit, auth


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    p1 = getpass.getpass("密码 / password: ")
    if p1 != getpass.getpass("再次输入 / repeat: "):
        raise ValueError("passwords differ / 两次输入不一致")
    return p1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tracker.users", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("add", help="create an account")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=list(auth.ROLES))
    a.add_argument("--area", required=True, help="area code, e.g. 54 (region), 5401, 540102")
    a.add_argument("--name", default="")
    a.add_argument("--oidc", action="append", default=[], help="SSO subject or e-mail mapped to this account")
    a.add_argument("--no-password", action="store_true", help="SSO-only account (no local login)")
    a.add_argument("--password-stdin", action="store_true")
    s = sub.add_parser("set", help="change role, area, name or SSO mapping")
    s.add_argument("username")
    s.add_argument("--role", choices=list(auth.ROLES))
    s.add_argument("--area")
    s.add_argument("--name")
    s.add_argument("--oidc", action="append", help="replaces the SSO mapping")
    for cmd in ("disable", "enable"):
        sub.add_parser(cmd, help=f"{cmd} an account").add_argument("username")
    r = sub.add_parser("reset", help="set a new password")
    r.add_argument("username")
    r.add_argument("--password-stdin", action="store_true")
    sub.add_parser("list", help="list accounts (no hashes)")
    args = ap.parse_args(argv)
    who = f"cli:{os.environ.get('USER', 'unknown')}"
    try:
        if args.cmd == "add":
            u = auth.add_user(args.username, "" if args.no_password else _password(args), args.role, args.area, args.name, tuple(args.oidc))
            audit.log(who, "user_add", u.area, f"{u.username} {u.role}")
        elif args.cmd == "set":
            ch = {k: getattr(args, k) for k in ("role", "area", "name", "oidc") if getattr(args, k) is not None}
            u = auth.update_user(args.username, **ch)
            audit.log(who, "user_set", u.area, f"{u.username} {sorted(ch)}")
        elif args.cmd in ("disable", "enable"):
            u = auth.update_user(args.username, disabled=args.cmd == "disable")
            audit.log(who, f"user_{args.cmd}", u.area, u.username)
        elif args.cmd == "reset":
            u = auth.update_user(args.username, password=_password(args))
            audit.log(who, "user_reset", u.area, u.username)
        else:
            for u in auth.load_users().values():
                print(f"{u.username}\t{u.role}\t{u.area}\t{u.name}\t{'disabled' if u.disabled else 'active'}\t{','.join(u.oidc)}")
            return 0
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"ok: {u.username} ({u.role}, {u.area}{', disabled' if u.disabled else ''})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

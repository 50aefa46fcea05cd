"""A LibreOffice kept running for Word → PDF, driven through UNO. Run by Debian's own python3 (which has the `uno`
module of python3-uno), never by the app's: it imports nothing of the app.

    /usr/bin/python3 tracker/uno_worker.py SOFFICE PROFILE_DIR

One request per line on stdin, {"src": "/path/b.docx", "dst": "/path/b.pdf"}; one answer per line on stdout,
{"ok": true} or {"ok": false, "error": "…"}. LibreOffice is started once (headless, its own profile) and again if it
dies; it is stopped when stdin closes (the app process ended, however it ended).
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    def __init__(self, soffice, profile):
        self.soffice, self.profile = soffice, profile
        self.pipe = f"tracker_uno_{os.getpid()}"
        self.proc = None
        self.desktop = None

    def start(self):
        self.stop()
        self.proc = subprocess.Popen(
            [
                self.soffice,
                f"-env:UserInstallation=file://{self.profile}",
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 60
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception as e:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("LibreOffice did not start") from e
                time.sleep(0.1)
        self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def stop(self):
        if self.desktop is not None:
            try:
                self.desktop.terminate()
            except Exception:
                pass
        self.desktop = None
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def convert(self, src, dst):
        doc = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
        if doc is None:
            raise RuntimeError(f"LibreOffice cannot open {src}")
        try:
            doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "writer_pdf_Export"),))
        finally:
            doc.close(True)


def main():
    office = Office(sys.argv[1], sys.argv[2])
    try:
        for line in sys.stdin:
            req = json.loads(line)
            try:
                for attempt in (1, 2):
                    try:
                        if office.desktop is None or office.proc.poll() is not None:
                            office.start()
                        office.convert(req["src"], req["dst"])
                        break
                    except Exception:
                        if attempt == 2:
                            raise
                        office.desktop = None  # LibreOffice died or the bridge broke: start it again, once
                answer = {"ok": True}
            except Exception as e:
                answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        office.stop()


if __name__ == "__main__":
    main()

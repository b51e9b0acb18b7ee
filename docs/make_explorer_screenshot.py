"""Take docs/explorer.png, the README's picture of explore.py's page, in headless Chromium.

The same browser as the page's tests (explorer/browser.py: the operating
system's Chromium, driven by Selenium), a window 1000 pixels wide, the page
that ``python explore.py`` writes by default, opened at VIEW.  The picture is
written whole or not at all.

    python docs/make_explorer_screenshot.py
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from explorer.browser import headless_chromium, missing, opened  # noqa: E402
from support.files import atomic_output  # noqa: E402

PICTURE = "docs/explorer.png"  # relative to ROOT, as the messages name it
#: The view the picture shows: a hidden weight's chain rule in the sequential order.
VIEW = "#it=137&order=sequential&opt=sgd&weight=w1"
WIDTH, HEIGHT = 1000, 1130


def main(argv=None):
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    problem = missing()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        page = os.path.join(folder, "explorer.html")
        # run in the temporary folder, so that the page names the plain command
        subprocess.run(
            [sys.executable, os.path.join(ROOT, "explore.py")],
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        browser = headless_chromium(WIDTH, HEIGHT)
        try:
            opened(browser, pathlib.Path(page), VIEW)  # as the tests open it
            with atomic_output(os.path.join(ROOT, PICTURE)) as temporary:
                browser.save_screenshot(temporary)
        finally:
            browser.quit()
    print(f"wrote {PICTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

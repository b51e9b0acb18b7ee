"""Headless Chromium from the operating system's packages, driven by Selenium.

The browser tests and the README's screenshot open the page with it.  It is
the distribution's Chromium and its driver (Debian: the packages chromium
and chromium-driver), never a browser a tool downloads for itself.
"""

import pathlib
import shutil
from typing import Any

from support.packages import installed

#: The browser's command, as Debian and Ubuntu name it.
BROWSERS = ("chromium", "chromium-browser")
DRIVER = "chromedriver"


def missing() -> str | None:
    """None where Selenium, Chromium and its driver are all installed; else what is not."""
    if not installed("selenium"):
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    if not any(shutil.which(browser) for browser in BROWSERS):
        return "chromium is not installed (apt-get install chromium)"
    if not shutil.which(DRIVER):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return None


def headless_chromium(width: int = 1000, height: int = 1300) -> Any:
    """A selenium WebDriver of headless Chromium, its window ``width`` x ``height``
    pixels, keeping the page's console messages (``get_log("browser")``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(path for path in map(shutil.which, BROWSERS) if path is not None)
    # --no-sandbox: Chromium's sandbox refuses to start as root, as CI's containers run
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which(DRIVER)))


#: True once the asked file is the document and it has loaded (the page's script is
#: inline, so it has run by then).
_LOADED = """
return location.href.split('#')[0] === arguments[0] && document.readyState === 'complete';"""


def opened(driver: Any, page: pathlib.Path, address: str = "", seconds: float = 60) -> Any:
    """``driver`` showing ``page`` at ``address`` (a #... fragment), freshly loaded.

    A blank page first, so that the page loads anew even where only its address
    changes; then a wait until the page is the document: under load, the driver
    can return from get() while the blank page is still the one shown.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.get(f"{page.as_uri()}{address}")
    WebDriverWait(driver, seconds).until(lambda d: d.execute_script(_LOADED, page.as_uri()))
    return driver

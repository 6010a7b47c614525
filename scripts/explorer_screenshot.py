"""A screenshot of ``infogan explore`` for the README: the page of a run, driven in headless Chromium.

Usage: python scripts/explorer_screenshot.py RUN OUT.png [--set c2=1.2 ...] [--mode CODE]
(needs Playwright and Debian's chromium, as the browser test does).
"""

from __future__ import annotations

import argparse
import shutil
import threading

from playwright.sync_api import sync_playwright

from infogan.explorer import make_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("out")
    parser.add_argument("--set", action="append", default=[], metavar="CODE=VALUE", help="a control's value before the shot")
    parser.add_argument("--seed", default="0", help="the noise seed shown")
    parser.add_argument("--mode", default="", help="a code to sweep in grid mode (default: one image)")
    args = parser.parse_args()

    server = make_server(args.run, port=0)
    host, port = server.server_address[:2]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shown = "() => model !== null && document.body.dataset.shown === queryOf(currentState())"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 620})
        page.goto(f"http://{host}:{port}/")
        page.wait_for_function(shown)
        page.fill("#seed", args.seed)
        page.dispatch_event("#seed", "change")
        for setting in args.set:
            name, value = setting.split("=")
            page.eval_on_selector(f"#code-{name}", "(control, value) => { control.value = value; control.dispatchEvent(new Event('input')); control.dispatchEvent(new Event('change')); }", value)
        if args.mode:
            page.select_option("#mode", args.mode)
        page.wait_for_function(shown)
        page.screenshot(path=args.out, full_page=True)
        browser.close()
    server.shutdown()
    print(args.out)


if __name__ == "__main__":
    main()

"""The README's picture of the widget: `python -m tools.screenshot [--url URL] [--out PATH]`.

Opens the demo help page of a running bot (`make run`) in Debian's Chromium, asks one
question in the widget and saves the page once the steps have arrived (docs/images/widget.png),
as a palette PNG small enough to commit.
"""

from __future__ import annotations

import argparse
from io import BytesIO
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from bot.settings import PROJECT_ROOT, Settings

CHROMIUM = "/usr/bin/chromium"
QUESTION = "My work account is locked: the Authenticator was on my old phone and I have no other method"


def take(url: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 960, "height": 760})
        page.set_default_timeout(60_000)
        page.goto(f"{url}/webhooks/widget/demo")
        page.get_by_role("button", name="Help with sign-in").click()
        box = page.get_by_role("textbox", name="Your message")
        box.fill(QUESTION)
        box.press("Enter")
        log = page.get_by_role("log", name="Conversation")
        log.locator(".msg.bot").filter(has_text="only").first.wait_for()
        page.get_by_role("group", name="Suggested replies").get_by_role("button").last.click()
        log.locator(".msg.bot ol").first.wait_for()
        log.evaluate("element => { element.scrollTop = 0; }")  # the question, then the steps
        page.wait_for_timeout(500)
        picture = Image.open(BytesIO(page.screenshot()))
        browser.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    picture.convert("RGB").quantize(colors=64).save(out, optimize=True)
    print(f"{out}: {out.stat().st_size // 1024} KB")


def main() -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=f"http://{settings.rasa_host}:{settings.rasa_port}")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "images" / "widget.png")
    args = parser.parse_args()
    take(args.url, args.out)


if __name__ == "__main__":
    main()

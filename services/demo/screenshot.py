"""The README's screenshot (docs/images/inbox.png): a demo person's My tasks on a running stack, in headless
Chromium (Debian's, as the browser tests use it; Playwright cannot download its own browser here).

    make run        # in another terminal: seeds the demo on its first start
    .venv/bin/python -m services.demo.screenshot [--url http://127.0.0.1:8000] [--person sam]

Needs the dev extra (playwright) and chromium (`apt-get install chromium`, or PMAAS_CHROMIUM).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
from pathlib import Path

from services.demo import roster

OUT = Path(__file__).resolve().parents[2] / "docs" / "images" / "inbox.png"
VIEWPORT = {"width": 1000, "height": 520}  # the inbox's table and the top of the page; small enough for git
TIMEOUT_MS = 30_000


async def take(url: str, subject: str, out: Path, chromium: str) -> None:
    from playwright.async_api import async_playwright

    person = roster.user(subject)
    if person is None:
        raise SystemExit(f"{subject!r} is not one of the demo people: {', '.join(u.subject for u in roster.USERS)}")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = await browser.new_page(viewport=VIEWPORT, base_url=url)
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto("/")
            await page.get_by_role("button", name=f"Sign in as {person.display_name}").click()
            await page.get_by_role("heading", level=1, name="My tasks").wait_for()
            out.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(out))
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway of a running `make run`")
    parser.add_argument("--person", default="sam", help="the demo person signed in (a roster subject)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    chromium = os.environ.get("PMAAS_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("no chromium: `apt-get install chromium`, or set PMAAS_CHROMIUM to a Chromium binary")
    asyncio.run(take(args.url.rstrip("/"), args.person, args.out, chromium))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

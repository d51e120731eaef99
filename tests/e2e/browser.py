"""Browser check: log in to Home Assistant in headless Chromium and take screenshots.

Run by the end-to-end suite as its own process (Playwright drives Debian's /usr/bin/chromium; its
own browser download does not work on these machines):

    python -m tests.e2e.browser --url http://127.0.0.1:8123 --out artifacts \
        --entity climate.salon_heater_1 --name "Salon heater 1" --temperature 19.5

Exits non-zero when the heater's name or current temperature is not on the dashboard.
"""

from __future__ import annotations

import argparse
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
import sys

from playwright.sync_api import Error as PlaywrightError, Page, sync_playwright

from .processes import PASSWORD, USERNAME

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


def log_in(page: Page, url: str) -> None:
    """Log in through Home Assistant's own login page."""
    page.goto(url, wait_until="domcontentloaded")
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    # Back from the login page to the default dashboard: /lovelace up to 2025, the "Home"
    # dashboard (/home) on newer releases.
    page.wait_for_url(
        lambda current: current.startswith(url) and "/auth/" not in current, timeout=TIMEOUT_MS
    )


DASHBOARD = "homesmartlink-e2e"


def save_dashboard(page: Page, entity: str) -> str:
    """A dashboard of its own with a thermostat card of the heater; returns its view's path.

    Its own, not the default one: from 2026.11 the default page is the generated "Home"
    dashboard and /lovelace leads there.
    """
    page.wait_for_function(
        "() => document.querySelector('home-assistant')?.hass?.connection", timeout=TIMEOUT_MS
    )
    page.evaluate(
        """async ([entity, path]) => {
            const hass = document.querySelector('home-assistant').hass;
            const dashboards = await hass.callWS({type: 'lovelace/dashboards/list'});
            if (!dashboards.some((d) => d.url_path === path)) {
                await hass.callWS({type: 'lovelace/dashboards/create', url_path: path,
                    title: 'HomeSmartlink', mode: 'storage', show_in_sidebar: true});
            }
            await hass.callWS({type: 'lovelace/config/save', url_path: path, config: {
                title: 'HomeSmartlink',
                views: [{title: 'Heaters', path: 'heaters', cards: [
                    {type: 'thermostat', entity: entity},
                ]}],
            }});
        }""",
        [entity, DASHBOARD],
    )
    return f"/{DASHBOARD}/heaters"


# Where each view's toggle is on Home Assistant 2025.4's calendar panel at 1280x800 (x, at y 88).
VIEW_TOGGLES = {"Month": 1138, "Week": 1174, "Day": 1211, "List": 1248}


def dismiss_notices(page: Page) -> None:
    """Close a dialog a newer release opens at start (it would cover the card)."""
    button = page.get_by_role("button", name="Confirm")
    with contextlib.suppress(PlaywrightError):
        button.click(timeout=3000)


DEEP_TEXT = """() => {
    const walk = (node, out) => {
        if (node.shadowRoot) walk(node.shadowRoot, out);
        for (const child of node.childNodes) {
            if (child.nodeType === Node.TEXT_NODE) out.push(child.textContent);
            else walk(child, out);
        }
        return out;
    };
    return walk(document.body, []).join(' ');
}"""


def show_history(page: Page, url: str, entity: str, out: Path) -> None:
    """The history panel of one entity over the last minute (the README's picture of a sensor)."""
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = now - timedelta(seconds=75), now + timedelta(seconds=15)
    span = f"start_date={start.isoformat()}&end_date={end.isoformat()}"
    page.goto(
        f"{url}/history?entity_id={entity}&{span.replace('+', '%2B')}", wait_until="networkidle"
    )
    page.wait_for_timeout(2500)  # the chart draws after the data comes
    page.screenshot(path=str(out / "history.png"))


def logbook_failures(page: Page, url: str, entity: str, wanted: list[str], out: Path) -> list[str]:
    """The logbook panel of one entity: each wanted sentence must be on it."""
    page.goto(f"{url}/logbook?entity_id={entity}", wait_until="networkidle")
    page.wait_for_timeout(2500)
    page.screenshot(path=str(out / "logbook.png"))
    text = " ".join(str(page.evaluate(DEEP_TEXT)).split())
    return [f"{sentence!r} is not in the logbook" for sentence in wanted if sentence not in text]


def main() -> int:
    """Log in, show the thermostat card and the calendar, check the text, save screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--entity", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--temperature", help="a reading the dashboard must show")
    parser.add_argument(
        "--calendar", action="append", default=[], help="another heater whose calendar to show"
    )
    parser.add_argument("--view", choices=tuple(VIEW_TOGGLES), default="Week")
    parser.add_argument("--history", help="an entity whose history to picture (history.png)")
    parser.add_argument("--logbook", help="an entity whose logbook to picture (logbook.png)")
    parser.add_argument(
        "--logbook-text", action="append", default=[], help="a sentence its logbook must show"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(
            viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="Europe/Paris"
        )
        page.set_default_timeout(TIMEOUT_MS)
        log_in(page, args.url)
        view = save_dashboard(page, args.entity)
        page.goto(f"{args.url}{view}", wait_until="networkidle")
        dismiss_notices(page)
        card = page.locator("hui-thermostat-card")
        card.wait_for()
        page.wait_for_timeout(1500)  # let the dial finish its animation
        page.screenshot(path=str(args.out / "thermostat.png"))
        card.screenshot(path=str(args.out / "thermostat-card.png"))
        text = card.evaluate("(el) => el.shadowRoot ? el.shadowRoot.textContent : el.textContent")
        deep = page.evaluate(DEEP_TEXT)
        failures.extend(
            f"{wanted!r} is not on the dashboard"
            for wanted in (args.name, args.temperature)
            if wanted is not None and wanted not in deep
        )
        page.goto(f"{args.url}/calendar", wait_until="networkidle")
        page.locator("ha-full-calendar").wait_for()
        # Only the heater's own calendar (and those asked for), in the week view.
        shown = [args.name, *args.calendar]
        for other in page.locator("ha-check-list-item, mwc-check-list-item").all():
            label = other.text_content() or ""
            if not any(name in label for name in shown) and "aria-selected" in (
                other.evaluate("(el) => el.selected ? 'aria-selected' : ''")
            ):
                other.click()
        # The view's toggle button is labelled with its name somewhere in the shadow roots.
        found = page.evaluate(
            """(view) => {
                const find = (node) => {
                    for (const el of node.querySelectorAll('*')) {
                        const label = el.label || el.getAttribute('aria-label') || el.title;
                        if (label === view && typeof el.click === 'function') return el;
                        if (el.shadowRoot) { const hit = find(el.shadowRoot); if (hit) return hit; }
                    }
                    return null;
                };
                const button = find(document);
                button?.click();
                return Boolean(button);
            }""",
            args.view,
        )
        if not found:
            # The 2025.4 toggles carry no label: four toggles at the top right of the panel
            # (month, week, day, list) at this viewport.
            page.mouse.click(VIEW_TOGGLES[args.view], 88)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(args.out / "calendar.png"))
        if args.history:
            show_history(page, args.url, args.history, args.out)
        if args.logbook:
            failures += logbook_failures(page, args.url, args.logbook, args.logbook_text, args.out)
        browser.close()
    print(f"card text: {' '.join(str(text).split())[:200]}")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Chromium itself says the app is installable (#15): Lighthouse 12 dropped its PWA
category, so the browser's own installability check (the DevTools protocol's
``Page.getInstallabilityErrors``, what decides whether "Install app" is offered) is asked
directly, on the real server's manifest, icons and service worker."""
from __future__ import annotations


def test_chromium_finds_no_installability_error(live, launch, tmp_path):
    ctx = launch(profile=tmp_path / "phone")  # a phone's profile: an incognito one installs nothing
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(live.url + "/")
    # The worker controls the page once it is active: install criteria include it.
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    cdp = ctx.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []


def test_a_page_without_the_manifest_is_not_installable(live, launch, tmp_path):
    """The check above can fail: the same browser on a page with no manifest link."""
    ctx = launch(profile=tmp_path / "phone")
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(live.url + "/healthz")
    cdp = ctx.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert any(e["errorId"] == "no-manifest" for e in errors), errors

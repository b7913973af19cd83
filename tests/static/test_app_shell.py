"""The app shell is served at ``/`` (#15): the page, the worker at the root scope, the
manifest, the shell list with its version; nothing outside the shell is served."""
from __future__ import annotations


def test_index_is_the_app_with_no_inline_script(client):
    resp = client.get("/")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert '<script type="module" src="/static/app.js"></script>' in html
    assert html.count("<script") == 1, "same-origin module only: a strict CSP holds"
    assert 'lang="zh-CN"' in html and 'rel="manifest"' in html


def test_worker_is_served_at_the_root_uncached(client):
    resp = client.get("/sw.js?v=abc")
    assert resp.status_code == 200
    assert resp.headers["Service-Worker-Allowed"] == "/"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert "javascript" in resp.mimetype


def test_module_page_gets_the_module_worker_and_an_older_page_the_classic_bridge(client):
    module = client.get("/sw.js?v=abc&type=module").get_data(as_text=True)
    assert 'import "./static/sw-shell.js";' in module and 'addEventListener("sync"' in module
    classic = client.get("/sw.js?v=abc").get_data(as_text=True)
    assert 'importScripts("/static/sw-shell.js");' in classic and "import " not in classic.replace("importScripts", "")


def test_manifest_is_installable(client):
    resp = client.get("/manifest.webmanifest")
    assert resp.mimetype == "application/manifest+json"
    manifest = resp.get_json(force=True)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_shell_lists_every_file_it_needs_with_a_version(client):
    shell = client.get("/static/shell.json").get_json()
    assert len(shell["version"]) == 16
    urls = set(shell["urls"])
    assert {"/", "/static/app.js", "/static/sync/store.js", "/static/vendor/idb/index.js",
            "/static/i18n/zh-CN.json", "/static/i18n/en.json", "/manifest.webmanifest"} <= urls
    assert "/static/vendor/jsqr/jsQR.js" in shell["lazy"], "the QR decoder loads only with the camera"
    for url in shell["urls"]:
        assert client.get(url).status_code == 200, url


def test_tools_and_test_only_files_are_not_served(client):
    for path in ("/static/vendor/vendor.py", "/static/vendor/axe-core/axe.min.js", "/static/README.md",
                 "/static/../server/config.py", "/static/vendor/package-lock.json"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.mimetype == "application/problem+json"


def test_version_changes_when_a_file_changes(app, tmp_path):
    import shutil

    from server.api.app_shell import STATIC_DIR, shell

    copy = tmp_path / "static"
    shutil.copytree(STATIC_DIR, copy)
    before = shell(copy)["version"]
    (copy / "app.css").write_text((copy / "app.css").read_text() + "\n/* v2 */\n")
    assert shell(copy)["version"] != before


def test_shell_is_under_150_kb_gzipped(client):
    import gzip

    shell = client.get("/static/shell.json").get_json()
    first_load = [u for u in shell["urls"] if u not in shell["lazy"] and not u.endswith(".png")]
    size = sum(len(gzip.compress(client.get(u).get_data(), 9)) for u in first_load)
    assert size < 150 * 1024, f"{size} bytes gzipped"


def test_page_preloads_every_module_the_app_imports():
    """A cold open fetches the whole module graph at once (``modulepreload``), not level by
    level: the list in index.html is exactly app.js's static imports, followed through."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "static"
    graph: list[str] = []

    def walk(rel: str) -> None:
        if rel in graph:
            return
        graph.append(rel)
        for dep in re.findall(r'^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"', (root / rel).read_text(), re.M):
            walk(str((root / rel).parent.joinpath(dep).resolve().relative_to(root.resolve())))

    walk("app.js")
    html = (root / "index.html").read_text()
    preloaded = re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', html)
    assert sorted(preloaded) == sorted(graph[1:])
    assert "vendor/jsqr/jsQR.js" not in preloaded, "the QR decoder still loads only with the camera"


def test_office_cards_merge_without_one_module_hiding_anothers_export():
    """``home.js`` merges the office modules' exports into one object: two modules
    exporting one name would leave only the last (the glance's box once hid the lobby
    manager's box card)."""
    import re
    from collections import Counter
    from pathlib import Path

    features = Path(__file__).resolve().parents[2] / "static" / "features"
    office = re.search(r"Promise\.all\(\[(.*?)\]\)", (features / "home.js").read_text()).group(1)
    names = Counter()
    for module in re.findall(r'import\("\./([\w-]+\.js)"\)', office):
        names.update(re.findall(r"^export (?:async )?(?:function|const|let|class) (\w+)", (features / module).read_text(), re.M))
    assert names and [n for n, count in names.items() if count > 1] == []

"""The components' scripts: published once into the static folder under a hash of their content, and sent to
the browser as a loader of a few lines (the browser tests show that the loader runs them)."""
from __future__ import annotations

import re

from tests.app_run import _run
from ui import front_end, live_paths

LOADER_LIMIT = 300  # characters: the inline script a message carries


def test_a_published_script_is_named_by_its_content_and_replaces_the_earlier_versions(tmp_path, monkeypatch):
    monkeypatch.setattr(front_end, "APP_STATIC", tmp_path)
    first = front_end.publish("demo", "export default () => 1;")
    assert front_end.publish("demo", "export default () => 1;") == first
    second = front_end.publish("demo", "export default () => 2;")
    assert second != first
    folder = tmp_path / front_end.PUBLISHED
    assert [path.name for path in folder.iterdir()] == [second.rsplit("/", 1)[1]]
    assert (folder / second.rsplit("/", 1)[1]).read_text() == "export default () => 2;"


def test_where_the_static_folder_cannot_be_written_the_script_goes_inline(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where the folder would be: creating the folder fails
    monkeypatch.setattr(front_end, "APP_STATIC", blocked)
    assert front_end.publish("demo", "export default () => 1;") is None
    declared = {}
    monkeypatch.setattr(front_end.st.components.v2, "component", lambda name, **parts: declared.update(parts))
    front_end.component("descent_inline_demo", ("decode.js",))
    assert declared["js"] == (front_end.FRONTEND / "decode.js").read_text(encoding="utf-8")


def test_the_live_chart_message_carries_only_a_loader_of_the_published_script():
    at = _run()
    proto = next(c for c in at.get("bidi_component") if live_paths.COMPONENT_KEY in c.proto.id).proto
    assert len(proto.js_content) < LOADER_LIMIT
    url = re.search(r"'(/app/static/[^']+\.js)'", proto.js_content).group(1)
    published = front_end.APP_STATIC / url.removeprefix("/app/static/")
    assert published.read_text().endswith((front_end.FRONTEND / "live_chart.js").read_text())

"""One simulated student: a websocket client that speaks Streamlit's own protocol as the browser does.

The browser and the server exchange protobufs over ``/_stcore/stream``: the browser sends ``BackMsg``
(``rerun_script`` with a ``ClientState``), the server answers with ``ForwardMsg`` deltas until
``script_finished``. To load the server like a browser tab, without a renderer, this client keeps what the
browser keeps between runs:

* the value of every widget drawn, sent back in full with each rerun (``widget_states``), as the browser's
  widget manager does — a moved widget changes one entry;
* the current page's script hash (``page_script_hash``), learnt from ``new_session``;
* a widget inside a fragment reruns that fragment alone (``fragment_id`` from the element's delta);
* large elements the server marked cacheable, whose hashes are sent back (``cached_message_hashes``) so the
  server answers an unchanged element with a reference (``ref_hash``), resolved here from the cache; an entry
  expires after ``max_cached_message_age`` runs it was not used in, as in the browser's ForwardMsgCache.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

STREAM_PATH = "/_stcore/stream"
SUBPROTOCOL = "streamlit"
FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR
SELECT_SLIDER = 2  # Slider.Type.SELECT_SLIDER
NUMBER_INT = 0  # NumberInput.DataType.INT


@dataclass
class Run:
    """What one script run drew: its elements (references resolved), timing and whether it failed."""
    elements: list = field(default_factory=list)
    seconds: float = 0.0
    compile_error: bool = False
    query_string: str | None = None  # the address the run gave the page (st.query_params), if it changed it

    def of_type(self, kind: str) -> list:
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    @property
    def exceptions(self) -> list:
        return self.of_type("exception")


def widget_value(element) -> WidgetState | None:
    """The state the browser reports for a widget element as drawn (its set value, else its default), or
    None for elements that report nothing until the user acts (buttons, charts, unsupported widgets)."""
    kind = element.WhichOneof("type")
    widget = getattr(element, kind)
    state = WidgetState(id=getattr(widget, "id", ""))
    if kind == "slider" and widget.type == SELECT_SLIDER:
        labels = widget.raw_value if widget.set_value and widget.raw_value else [
            widget.options[int(i)] for i in widget.default]
        state.string_array_value.data.extend(labels)
    elif kind == "slider":
        state.double_array_value.data.extend(widget.value if widget.set_value else widget.default)
    elif kind == "checkbox":
        state.bool_value = widget.value if widget.set_value else widget.default
    elif kind in ("selectbox", "radio"):
        if widget.set_value and widget.HasField("raw_value"):
            state.string_value = widget.raw_value
        elif widget.HasField("default"):
            state.string_value = widget.options[widget.default]
        else:
            return None
    elif kind in ("multiselect", "button_group"):
        values = widget.raw_values if widget.set_value else [widget.options[i].content if kind == "button_group"
                                                              else widget.options[i] for i in widget.default]
        state.string_array_value.data.extend(values)
    elif kind == "number_input":
        if widget.set_value and widget.HasField("value"):
            number = widget.value
        elif widget.HasField("default"):
            number = widget.default
        else:
            return None
        if widget.data_type == NUMBER_INT:
            state.int_value = int(number)
        else:
            state.double_value = number
    elif kind == "text_input":
        state.string_value = widget.value if widget.set_value and widget.HasField("value") else widget.default
    else:
        return None
    return state


class Student:
    """One browser tab's session. Use as ``async with Student(ws_url) as student:``."""

    def __init__(self, ws_url: str, query: str = "", cookie: str = ""):
        self.ws_url = ws_url
        self.query = query
        self.cookie = cookie  # what the browser sends with the websocket handshake (a proxy's sticky cookie)
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}
        self.widget_fragment: dict[str, str] = {}  # widget id → the fragment that draws it ("" for none)
        self.cache: dict[str, tuple[ForwardMsg, int, str]] = {}  # hash → (message, last run used, fragment)
        self.max_cache_age = 2
        self.server_config = None  # the app's settings as the server announces them (toolbar, usage stats)
        self.run_count = 0
        self.ws = None

    async def __aenter__(self) -> "Student":
        # A browser names the page's origin; the server accepts the socket only from the host it serves.
        origin = self.ws_url.replace("ws", "http", 1)
        self.ws = await websockets.connect(self.ws_url + STREAM_PATH, subprotocols=[SUBPROTOCOL], max_size=None,
                                           origin=origin,
                                           open_timeout=None, ping_interval=None, proxy=None,
                                           additional_headers={"Cookie": self.cookie} if self.cookie else None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def load(self) -> Run:
        """The first run, as on opening the page's address."""
        return await self._rerun("")

    async def move(self, widget_id: str, state: WidgetState) -> Run:
        """Set one widget's value (as the user does) and wait for the rerun it triggers."""
        state.id = widget_id
        self.widgets[widget_id] = state
        return await self._rerun(self.widget_fragment.get(widget_id, ""))

    async def _rerun(self, fragment_id: str) -> Run:
        message = BackMsg()
        request = message.rerun_script
        request.query_string = self.query
        request.page_script_hash = self.page_hash
        request.fragment_id = fragment_id
        request.widget_states.widgets.extend(self.widgets.values())
        request.cached_message_hashes.extend(self.cache)
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        run = Run()
        fragments_this_run: list[str] = []
        seen: dict[str, WidgetState] = {}
        while True:
            reply = ForwardMsg.FromString(await self.ws.recv())
            kind = reply.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = reply.new_session.page_script_hash
                self.server_config = reply.new_session.config
                self.max_cache_age = self.server_config.max_cached_message_age
                fragments_this_run = list(reply.metadata.run.fragment_ids)
            elif kind == "page_info_changed":
                run.query_string = self.query = reply.page_info_changed.query_string
            elif kind in ("delta", "ref_hash"):
                self._take_delta(self._resolve(reply), run, seen)
            elif kind == "script_finished" and reply.script_finished != FINISHED_EARLY:
                run.compile_error = reply.script_finished == COMPILE_ERROR
                break
        run.seconds = time.perf_counter() - started
        self._after_run(fragment_id, seen)
        self._expire_cache(fragments_this_run or ([fragment_id] if fragment_id else []))
        return run

    def _resolve(self, reply: ForwardMsg) -> ForwardMsg:
        """The message itself, or the cached one a reference points at; caches cacheable messages."""
        if reply.WhichOneof("type") == "ref_hash":
            cached, _, fragment = self.cache[reply.ref_hash]
            self.cache[reply.ref_hash] = (cached, self.run_count, fragment)
            return cached
        if reply.metadata.cacheable and reply.hash:
            self.cache[reply.hash] = (reply, self.run_count, reply.delta.fragment_id)
        return reply

    def _take_delta(self, reply: ForwardMsg, run: Run, seen: dict[str, WidgetState]) -> None:
        if not reply.delta.HasField("new_element"):
            return
        element = reply.delta.new_element
        run.elements.append(element)
        state = widget_value(element)
        if state is not None and state.id:
            # The browser keeps a value the user set; a widget the server redraws with set_value takes it.
            kept = self.widgets.get(state.id)
            seen[state.id] = kept if kept is not None and not _sets_value(element) else state
            self.widget_fragment[state.id] = reply.delta.fragment_id

    def _after_run(self, fragment_id: str, seen: dict[str, WidgetState]) -> None:
        """Forget widgets the run no longer drew: after a full run all of them; after a fragment run only
        those of that fragment."""
        if fragment_id:
            self.widgets = {i: s for i, s in self.widgets.items() if self.widget_fragment.get(i) != fragment_id}
        else:
            self.widgets = {}
        self.widgets.update(seen)

    def _expire_cache(self, fragments: list[str]) -> None:
        self.run_count += 1
        for key, (_, used, fragment) in list(self.cache.items()):
            if fragments and fragment not in fragments:
                continue
            if self.run_count - used > self.max_cache_age:
                del self.cache[key]


def _sets_value(element) -> bool:
    widget = getattr(element, element.WhichOneof("type"))
    return bool(getattr(widget, "set_value", False))

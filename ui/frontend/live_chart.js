// The live map and loss chart (see ui/live_paths.py). Every drawn point comes from the server: either the
// figures of the committed settings, or a family of runs (one per option of the pressed control) that the
// range input swaps among while it is dragged (decode.js), or the runs from a dragged start (start_drag.js).

const views = new WeakMap(); // parentElement → its view (the module is loaded once, each call updates)

const KEYBOARD_COMMIT_MS = 400; // arrow keys fire `change` on every press: commit after a pause
const MIN_HEIGHT = 340;
const VIEWPORT_SHARE = 0.72; // the charts never take more of the window's height than this
const LOSS_FOLLOW_MS = 80; // the loss curves redraw at most this often while the paths follow a drag
const SETTLE_MS = 150; // a drag paused this long: plotly.js draws the map's frame (hover reads its data)

function traceIndices(figure, meta) {
  const found = [];
  figure.data.forEach((trace, index) => { if (trace.meta === meta) found.push(index); });
  return found;
}

// Each run's end as the figure draws it: a point in the dots trace, or in the crosses trace if it died.
function endsOf(figure, dots, crosses) {
  const dot = figure.data[dots], cross = figure.data[crosses];
  const at = (values, k) => (values[k] === null || values[k] === undefined ? NaN : Number(values[k]));
  return dot.x.map((_, k) => {
    const died = Number.isFinite(at(cross.x, k));
    const trace = died ? cross : dot;
    return { x: at(trace.x, k), y: at(trace.y, k), died };
  });
}

class LiveView {
  constructor(parent) {
    this.root = document.createElement('div');
    this.root.className = 'dl-live';
    this.root.innerHTML = '<div class="dl-charts"><div class="dl-map-box"><div class="dl-map"></div></div>'
      + '<div class="dl-loss"></div></div><div class="dl-controls"></div>'
      + '<div class="dl-status" aria-live="polite"></div>';
    parent.appendChild(this.root);
    this.mapDiv = this.root.querySelector('.dl-map');
    this.lossDiv = this.root.querySelector('.dl-loss');
    this.controlsDiv = this.root.querySelector('.dl-controls');
    this.status = this.root.querySelector('.dl-status');
    this.inputs = new Map(); // control id → {input, output, control}
    this.families = new Families();
    this.active = null; // the control being dragged or keyed
    this.start = new StartDrag(this, this.root.querySelector('.dl-map-box'));
    this.painter = new DirectPaint(this.mapDiv);
  }

  async update(data, setTriggerValue) {
    this.trigger = setTriggerValue;
    if (data.dragged) return this.showDragged(data.dragged);
    this.data = data;
    this.draggedQueue = undefined;
    const Plotly = this.Plotly = await loadPlotly(data.plotly);
    if (this.data !== data) return; // newer data arrived while plotly.js loaded
    this.buildControls(data.controls);
    if (data.base_key !== this.baseKey || !this.mapDiv._fullLayout) {
      this.baseKey = data.base_key;
      this.figureKey = data.figure_key;
      await this.drawAll(Plotly, data);
    } else if (data.figure_key !== this.figureKey) {
      this.figureKey = data.figure_key;
      this.swapFromFigures(Plotly, data);
    }
    this.root.dataset.start = data.start.join(',');
    this.start.hideRing();
    if (this.active) {
      if (this.familyOf(this.active)) this.showOption(this.active, Number(this.inputs.get(this.active).input.value));
      else this.requestFamily(this.active);
    }
  }

  // The family of control `id` good for the settings on screen, or undefined.
  familyOf(id) {
    const entry = this.inputs.get(id);
    return entry && this.families.of(entry.control);
  }

  takeFamily(encoded) {
    this.families.take(encoded);
    this.root.dataset.family = encoded.control; // tests and benchmarks wait for it
    if (this.pressed && this.pressed.id === encoded.control && this.familyOf(encoded.control)) {
      this.pressReady(performance.now());
    }
  }

  // Press → family ready, for the benchmarks: 0 when the family was held at the press.
  pressReady(now) {
    this.root.dataset.pressReadyMs = String(Math.max(0, Math.round(now - this.pressed.at)));
    this.pressed = null;
  }

  sizeCharts(data) {
    const margin = data.map.layout.margin;
    const plotWidth = Math.max(this.mapDiv.clientWidth - margin.l - margin.r, 100);
    const wanted = plotWidth * data.aspect + margin.t + margin.b;
    const room = Math.max(MIN_HEIGHT, window.innerHeight * VIEWPORT_SHARE);
    return Math.round(Math.min(Math.max(wanted, MIN_HEIGHT), room));
  }

  async drawAll(Plotly, data) {
    clearTimeout(this.settleTimer);
    const height = this.sizeCharts(data);
    const mapLayout = { ...data.map.layout, height };
    const lossLayout = { ...data.loss.layout, height };
    await Plotly.react(this.mapDiv, data.map.data, mapLayout, CONFIG);
    await Plotly.react(this.lossDiv, data.loss.data, lossLayout, CONFIG);
    this.paths = traceIndices(data.map, 'path');
    [this.dots] = traceIndices(data.map, 'end');
    [this.crosses] = traceIndices(data.map, 'died');
    [this.startTrace] = traceIndices(data.map, 'marker-start');
    this.losses = traceIndices(data.loss, 'loss');
    this.ends = endsOf(data.map, this.dots, this.crosses);
  }

  // One frame of the map: the given paths (run → {x, y, …}), every run's end, and the start if given.
  mapFrame(runs, paths, start) {
    const data = paths.map((path) => path.map), traces = runs.map((run) => this.paths[run]);
    const ends = this.ends;
    data.push({ x: ends.map((e) => (e.died ? NaN : e.x)), y: ends.map((e) => (e.died ? NaN : e.y)) },
              { x: ends.map((e) => (e.died ? e.x : NaN)), y: ends.map((e) => (e.died ? e.y : NaN)) });
    traces.push(this.dots, this.crosses);
    if (start) {
      data.push({ x: [start[0]], y: [start[1]] });
      traces.push(this.startTrace);
    }
    return { data, traces };
  }

  lossFrame(runs, paths) {
    return { data: paths.map((path) => path.loss), traces: runs.map((run) => this.losses[run]) };
  }

  // A frame drawn by plotly.js; a pending settling frame is older than this one.
  animateMap(frame) {
    clearTimeout(this.settleTimer);
    this.mapAnimations = (this.mapAnimations || 0) + 1;
    const done = () => { this.mapAnimations -= 1; };
    this.Plotly.animate(this.mapDiv, frame, ANIMATE).then(done, done);
  }

  // A frame of a drag (of a control, or of the start marker with `start`): painted in place when plotly.js
  // has nothing of its own in flight and has drawn what the frame needs (DirectPaint), then drawn by
  // plotly.js once the drag pauses for SETTLE_MS. The loss curves follow (followLoss).
  paintPaths(runs, paths, start = null) {
    const frame = this.mapFrame(runs, paths, start);
    if (this.mapAnimations || !this.painter.paint(frame)) {
      this.animateMap(frame);
    } else {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.animateMap(frame), SETTLE_MS);
    }
    this.followLoss(this.lossFrame(runs, paths));
  }

  // Where run `run` ends on the map now: its last point, a cross if it died.
  moveEnd(run, x, y, died) {
    const last = x.length - 1;
    this.ends[run] = last >= 0 ? { x: x[last], y: y[last], died } : { x: NaN, y: NaN, died };
  }

  // The runs from the dragged start marker (answers to drag_start, while it is dragged): the trail's
  // first, one per animation frame, then the latest; a newer answer replaces what is left to show.
  showDragged(dragged) {
    if (!this.Plotly || !this.paths) return;
    const first = this.draggedQueue === undefined;
    this.draggedQueue = [...dragged.trail, dragged];
    this.start.answered(dragged.start_seq);
    if (first) this.showNextDragged();
  }

  showNextDragged() {
    if (!this.draggedQueue) return; // the committed start arrived meanwhile
    const next = this.draggedQueue.shift();
    const runs = [], paths = [];
    next.paths.forEach((path, run) => {
      const x = typed(path.x), y = typed(path.y);
      this.moveEnd(run, x, y, path.died);
      runs.push(run);
      paths.push({ map: { x, y, ...(path.hover ? { customdata: path.hover } : {}) },
                   loss: { x: typed(path.steps), y: typed(path.loss) } });
    });
    this.paintPaths(runs, paths, next.start);
    this.root.dataset.start = next.start.join(',');
    if (this.draggedQueue.length) requestAnimationFrame(() => this.showNextDragged());
    else this.draggedQueue = undefined;
  }

  // Same surface and runs, another start or run: move the paths without redrawing the picture under them.
  swapFromFigures(Plotly, data) {
    const pick = (figure, indices) => indices.map((i) => {
      const trace = figure.data[i];
      return { x: typed(trace.x), y: typed(trace.y), ...(trace.customdata ? { customdata: trace.customdata } : {}) };
    });
    const mapTraces = [...this.paths, this.dots, this.crosses, this.startTrace];
    this.ends = endsOf(data.map, this.dots, this.crosses);
    this.animateMap({ data: pick(data.map, mapTraces), traces: mapTraces });
    Plotly.animate(this.lossDiv, { data: pick(data.loss, this.losses), traces: this.losses }, ANIMATE);
  }

  buildControls(controls) {
    const signature = JSON.stringify(controls.map((c) => [c.id, c.label, c.color, c.options.length]));
    if (signature !== this.controlsSignature) {
      this.controlsSignature = signature;
      this.controlsDiv.replaceChildren();
      this.inputs.clear();
      controls.forEach((control) => this.addControl(control));
    }
    controls.forEach((control) => {
      const entry = this.inputs.get(control.id);
      entry.control = control;
      entry.input.dataset.committed = String(control.index); // the value the page holds (tests wait for it)
      if (this.active !== control.id) {
        entry.input.value = String(control.index);
        entry.output.textContent = formatOption(control.options[control.index]);
      }
    });
  }

  addControl(control) {
    const label = document.createElement('label');
    label.className = 'dl-control';
    if (control.color) label.style.setProperty('--dl-color', control.color);
    const input = document.createElement('input');
    Object.assign(input, { type: 'range', min: '0', max: String(control.options.length - 1), step: '1' });
    input.setAttribute('aria-label', control.label);
    const output = document.createElement('output');
    label.innerHTML = `<span class="dl-swatch" aria-hidden="true">●</span><span>${control.label}</span>`;
    label.append(input, output);
    this.controlsDiv.appendChild(label);
    const entry = { input, output, control, timer: null, keyed: false };
    this.inputs.set(control.id, entry);
    const press = () => {
      this.active = control.id;
      this.pressed = { id: control.id, at: performance.now() };
      if (this.familyOf(control.id)) this.pressReady(this.pressed.at);
      else this.requestFamily(control.id);
    };
    input.addEventListener('pointerdown', () => { entry.keyed = false; press(); });
    input.addEventListener('keydown', () => { entry.keyed = true; press(); });
    input.addEventListener('focus', () => this.requestFamily(control.id));
    // The pointer reaches the control's row (its name first, coming from the charts) some hundred ms before
    // it presses the slider: asked for then, the family is usually there at the press.
    label.addEventListener('pointerenter', () => this.requestFamily(control.id));
    // Chromium delivers pointer moves once per frame, so each `input` is drawn at once, in the frame it
    // arrived in: deferring it to an animation frame would show it a frame later.
    input.addEventListener('input', () => {
      this.active = control.id;
      this.showOption(control.id, Number(input.value));
    });
    input.addEventListener('change', () => {
      clearTimeout(entry.timer);
      if (entry.keyed) entry.timer = setTimeout(() => this.commit(control.id), KEYBOARD_COMMIT_MS);
      else this.commit(control.id);
    });
  }

  // Asked for straight from the server's family route, not through a rerun of the component: the answer is
  // the family alone, applied here as it arrives.
  async requestFamily(id) {
    const { control } = this.inputs.get(id);
    try {
      const encoded = await this.families.request(this.data.family_url, this.data.settings, control);
      if (!encoded) return;
      this.takeFamily(encoded);
    } catch (error) {
      this.status.textContent = `The runs for ${control.label} did not arrive: ${error.message}`;
      return;
    }
    if (this.active === id) this.showOption(id, Number(this.inputs.get(id).input.value));
  }

  showOption(id, index) {
    const entry = this.inputs.get(id);
    entry.output.textContent = formatOption(entry.control.options[index]);
    const family = this.familyOf(id);
    if (!family || !this.Plotly) return;
    const paths = family.runs.map((run, r) => {
      const row = family.row(r, index);
      this.moveEnd(run, row.x, row.y, row.died);
      return { map: { x: row.x, y: row.y }, loss: { x: row.steps, y: row.loss } };
    });
    this.paintPaths(family.runs, paths);
    this.root.dataset.shown = `${id}:${index}`;
  }

  // The loss curves follow the map at most every LOSS_FOLLOW_MS, after the map's frame is painted: the map,
  // where the eye is, gets every frame; a newer frame arriving meanwhile replaces the pending one.
  followLoss(frame) {
    const scheduled = this.pendingLoss !== undefined;
    this.pendingLoss = frame;
    if (scheduled) return;
    const wait = Math.max(0, LOSS_FOLLOW_MS - (performance.now() - (this.lossDrawnAt || 0)));
    requestAnimationFrame(() => setTimeout(() => {
      const latest = this.pendingLoss;
      this.pendingLoss = undefined;
      this.lossDrawnAt = performance.now();
      this.Plotly.animate(this.lossDiv, latest, ANIMATE);
    }, wait));
  }

  commit(id) {
    const entry = this.inputs.get(id);
    const index = Number(entry.input.value);
    if (this.active === id) this.active = null;
    if (index !== entry.control.index) this.trigger('commit', { control: id, index });
  }
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const data = JSON.parse(new TextDecoder().decode(component.data)); // sent as JSON text (ui/live_paths.py)
  let view = views.get(parentElement);
  if (!view) {
    view = new LiveView(parentElement);
    views.set(parentElement, view);
  }
  view.update(data, setTriggerValue).catch((error) => { view.status.textContent = String(error); });
}

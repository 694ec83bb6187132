// The live map and loss chart (see ui/live_paths.py). Every drawn point comes from the server: either the
// figures of the committed settings, or a family of runs (one per option of the pressed control) that the
// range input swaps among while it is dragged.

const views = new WeakMap(); // parentElement → its view (the module is loaded once, each call updates)
let plotlyLoad = null;

const KEYBOARD_COMMIT_MS = 400; // arrow keys fire `change` on every press: commit after a pause
const START_GRAB_PX = 16; // a press this close to the start marker drags it
const NO_VALUE = 65535; // quantised code of "no value" (simulation/family.py)
const CODE_STEPS = 65534;
const MIN_HEIGHT = 340;
const VIEWPORT_SHARE = 0.72; // the charts never take more of the window's height than this
const LOSS_FOLLOW_MS = 80; // the loss curves redraw at most this often while a control is dragged
const ANIMATE = { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: 'immediate' };
const CONFIG = { displaylogo: false, scrollZoom: false, responsive: true };
const DTYPES = {
  f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array,
  i4: Int32Array, u4: Uint32Array,
};

function loadPlotly(url) {
  if (!plotlyLoad) {
    plotlyLoad = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error(`plotly.js did not load from ${url}`));
      document.head.appendChild(script);
    });
  }
  return plotlyLoad;
}

function bytesOf(b64) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

// plotly.py sends numpy arrays as {dtype, bdata}: decoded here where the data goes to Plotly.animate.
function typed(value) {
  if (value && value.bdata !== undefined && !value.shape) return new DTYPES[value.dtype](bytesOf(value.bdata).buffer);
  return value;
}

function formatOption(value) {
  return Number(value.toPrecision(3)).toString();
}

// A family as sent by simulation/family.py encode_family: rows decoded on first use.
function decodeFamily(encoded) {
  const codes = (key) => new Uint16Array(bytesOf(encoded[key]).buffer);
  const x = codes('x'), y = codes('y'), loss = codes('loss');
  const steps = encoded.steps ? codes('steps') : null;
  const offsets = [];
  let total = 0;
  encoded.lengths.forEach((row) => row.forEach((n) => { offsets.push(total); total += n; }));
  const width = encoded.options.length;
  const cache = new Map();
  const decode = (array, range, from, n, log) => {
    const [low, high] = range;
    const scale = (high - low) / CODE_STEPS;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const code = array[from + i];
      const value = low + code * scale;
      out[i] = code === NO_VALUE ? NaN : (log ? Math.pow(10, value) : value);
    }
    return out;
  };
  return {
    control: encoded.control,
    runs: encoded.runs,
    row(r, o) {
      const key = r * width + o;
      if (!cache.has(key)) {
        const from = offsets[key], n = encoded.lengths[r][o];
        const stepNumbers = new Int32Array(n);
        for (let i = 0; i < n; i++) stepNumbers[i] = steps ? steps[from + i] : i;
        const losses = decode(loss, encoded.loss_range, from, n, encoded.loss_log);
        cache.set(key, {
          x: decode(x, encoded.x_range, from, n, false), y: decode(y, encoded.y_range, from, n, false),
          loss: losses, steps: stepNumbers, died: encoded.died[r][o],
        });
      }
      return cache.get(key);
    },
  };
}

function traceIndices(figure, meta) {
  const found = [];
  figure.data.forEach((trace, index) => { if (trace.meta === meta) found.push(index); });
  return found;
}

class LiveView {
  constructor(parent) {
    this.root = document.createElement('div');
    this.root.className = 'dl-live';
    this.root.innerHTML = '<div class="dl-charts"><div class="dl-map"></div><div class="dl-loss"></div></div>'
      + '<div class="dl-controls"></div><div class="dl-status" aria-live="polite"></div>';
    parent.appendChild(this.root);
    this.mapDiv = this.root.querySelector('.dl-map');
    this.lossDiv = this.root.querySelector('.dl-loss');
    this.controlsDiv = this.root.querySelector('.dl-controls');
    this.status = this.root.querySelector('.dl-status');
    this.inputs = new Map(); // control id → {input, output, control}
    this.family = null;
    this.requested = null;
    this.active = null; // the control being dragged or keyed
    this.startDrag = null; // {pointerId, sent, pending, seq}
    this.seq = 0;
    this.mapDiv.addEventListener('pointerdown', (event) => this.grabStart(event), true);
    this.mapDiv.addEventListener('pointermove', (event) => this.moveStart(event));
    this.mapDiv.addEventListener('pointerup', (event) => this.dropStart(event));
    this.mapDiv.addEventListener('pointercancel', (event) => this.dropStart(event));
  }

  async update(data, setTriggerValue) {
    this.trigger = setTriggerValue;
    if (data.dragged) return this.showDragged(data.dragged);
    this.data = data;
    const Plotly = this.Plotly = await loadPlotly(data.plotly);
    if (this.data !== data) return; // newer data arrived while plotly.js loaded
    this.buildControls(data.controls);
    if (data.family && (!this.family || this.family.control !== data.family.control
                        || this.familySource !== data.family)) {
      this.family = decodeFamily(data.family);
      this.familySource = data.family;
      this.root.dataset.family = data.family.control; // tests and benchmarks wait for it
      if (this.requestedAt !== undefined && this.requested === data.family.control) {
        this.root.dataset.familyReadyMs = String(Math.round(performance.now() - this.requestedAt));
      }
    }
    if (data.base_key !== this.baseKey || !this.mapDiv._fullLayout) {
      this.baseKey = data.base_key;
      await this.drawAll(Plotly, data);
    } else {
      this.swapFromFigures(Plotly, data);
    }
    this.root.dataset.start = data.start.join(',');
    if (this.active && this.family && this.family.control === this.active) {
      this.showOption(this.active, Number(this.inputs.get(this.active).input.value));
    }
  }

  sizeCharts(data) {
    const margin = data.map.layout.margin;
    const plotWidth = Math.max(this.mapDiv.clientWidth - margin.l - margin.r, 100);
    const wanted = plotWidth * data.aspect + margin.t + margin.b;
    const room = Math.max(MIN_HEIGHT, window.innerHeight * VIEWPORT_SHARE);
    return Math.round(Math.min(Math.max(wanted, MIN_HEIGHT), room));
  }

  async drawAll(Plotly, data) {
    const height = this.sizeCharts(data);
    const mapLayout = { ...data.map.layout, height };
    const lossLayout = { ...data.loss.layout, height };
    await Plotly.react(this.mapDiv, data.map.data, mapLayout, CONFIG);
    await Plotly.react(this.lossDiv, data.loss.data, lossLayout, CONFIG);
    this.paths = traceIndices(data.map, 'path');
    this.ends = traceIndices(data.map, 'end');
    this.startTrace = traceIndices(data.map, 'marker-start')[0];
    this.crosses = traceIndices(data.map, 'died');
    this.losses = traceIndices(data.loss, 'loss');
  }

  // The runs from the dragged start marker (answers to drag_start, while it is dragged).
  showDragged(dragged) {
    if (!this.Plotly || !this.paths) return;
    const mapData = [], mapTraces = [], lossData = [];
    dragged.paths.forEach((path, run) => {
      const x = typed(path.x), y = typed(path.y), last = x.length - 1;
      mapData.push({ x, y, customdata: path.hover });
      mapTraces.push(this.paths[run]);
      this.pushEnd(mapData, mapTraces, run, last >= 0 ? [x[last], y[last]] : null, path.died);
      lossData.push({ x: path.steps, y: typed(path.loss) });
    });
    this.Plotly.animate(this.mapDiv, { data: mapData, traces: mapTraces }, ANIMATE);
    this.Plotly.animate(this.lossDiv, { data: lossData, traces: this.losses }, ANIMATE);
    this.root.dataset.start = dragged.start.join(',');
    if (this.startDrag && dragged.start_seq === this.startDrag.sent) this.startAnswered();
  }

  // Same surface and runs, other start: move the paths without redrawing the picture under them.
  swapFromFigures(Plotly, data) {
    const pick = (figure, indices) => indices.map((i) => {
      const trace = figure.data[i];
      return { x: typed(trace.x), y: typed(trace.y), ...(trace.customdata ? { customdata: trace.customdata } : {}) };
    });
    const mapTraces = [...this.paths, ...this.ends, ...this.crosses, this.startTrace];
    Plotly.animate(this.mapDiv, { data: pick(data.map, mapTraces), traces: mapTraces }, ANIMATE);
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
    const press = () => { this.active = control.id; this.requestFamily(control.id); };
    input.addEventListener('pointerdown', () => { entry.keyed = false; press(); });
    input.addEventListener('keydown', () => { entry.keyed = true; press(); });
    input.addEventListener('focus', () => this.requestFamily(control.id));
    input.addEventListener('pointerenter', () => this.requestFamily(control.id)); // ready before the press
    input.addEventListener('input', () => {
      this.active = control.id;
      this.scheduleOption(control.id, Number(input.value));
    });
    input.addEventListener('change', () => {
      clearTimeout(entry.timer);
      if (entry.keyed) entry.timer = setTimeout(() => this.commit(control.id), KEYBOARD_COMMIT_MS);
      else this.commit(control.id);
    });
  }

  requestFamily(id) {
    if ((this.family && this.family.control === id) || this.requested === id) return;
    this.requested = id;
    this.requestedAt = performance.now();
    this.trigger('family', id);
  }

  // At most one redraw per frame: inputs that arrive faster than frames show only the latest option.
  scheduleOption(id, index) {
    const first = this.pendingOption === undefined;
    this.pendingOption = [id, index];
    if (!first) return;
    requestAnimationFrame(() => {
      const [latestId, latestIndex] = this.pendingOption;
      this.pendingOption = undefined;
      this.showOption(latestId, latestIndex);
    });
  }

  showOption(id, index) {
    const entry = this.inputs.get(id);
    entry.output.textContent = formatOption(entry.control.options[index]);
    const family = this.family;
    if (!family || family.control !== id || !this.Plotly) return;
    const mapData = [], mapTraces = [], lossData = [];
    family.runs.forEach((run, r) => {
      const row = family.row(r, index);
      const last = row.x.length - 1;
      mapData.push({ x: row.x, y: row.y });
      mapTraces.push(this.paths[run]);
      this.pushEnd(mapData, mapTraces, run, last >= 0 ? [row.x[last], row.y[last]] : null, row.died);
      lossData.push({ x: row.steps, y: row.loss });
    });
    const lossTraces = family.runs.map((run) => this.losses[run]);
    this.Plotly.animate(this.mapDiv, { data: mapData, traces: mapTraces }, ANIMATE);
    this.root.dataset.shown = `${id}:${index}`;
    this.followLoss({ data: lossData, traces: lossTraces });
  }

  // The loss curves follow the map at most every LOSS_FOLLOW_MS, after the map's frame is painted: the map,
  // where the eye is, gets every frame; a newer option arriving meanwhile replaces the pending one.
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

  // A dot where a run ended, or a cross where it died: the point goes to one trace, the other is emptied.
  pushEnd(mapData, mapTraces, run, point, died) {
    const end = point ? { x: [point[0]], y: [point[1]] } : { x: [], y: [] };
    const none = { x: [], y: [] };
    mapData.push(died ? none : end, died ? end : none);
    mapTraces.push(this.ends[run], this.crosses[run]);
  }

  commit(id) {
    const entry = this.inputs.get(id);
    const index = Number(entry.input.value);
    if (this.active === id) this.active = null;
    if (index !== entry.control.index) this.trigger('commit', { control: id, index });
  }

  // Start marker drag: a press near the marker takes the pointer away from Plotly's zoom box.
  toData(event) {
    const layout = this.mapDiv._fullLayout;
    const box = this.mapDiv.getBoundingClientRect();
    return [layout.xaxis.p2l(event.clientX - box.left - layout.xaxis._offset),
            layout.yaxis.p2l(event.clientY - box.top - layout.yaxis._offset)];
  }

  grabStart(event) {
    const layout = this.mapDiv._fullLayout;
    if (!layout || this.startTrace === undefined || !this.data) return;
    const box = this.mapDiv.getBoundingClientRect();
    const [sx, sy] = this.data.start;
    const px = layout.xaxis.l2p(sx) + layout.xaxis._offset + box.left;
    const py = layout.yaxis.l2p(sy) + layout.yaxis._offset + box.top;
    if (Math.hypot(event.clientX - px, event.clientY - py) > START_GRAB_PX) return;
    event.preventDefault();
    event.stopPropagation();
    this.mapDiv.setPointerCapture(event.pointerId);
    this.startDrag = { pointerId: event.pointerId, sent: null, pending: null, last: [sx, sy] };
  }

  moveStart(event) {
    const drag = this.startDrag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    const [lx, ly] = this.data.start_limits;
    const [x, y] = this.toData(event);
    drag.last = [Math.min(Math.max(x, lx[0]), lx[1]), Math.min(Math.max(y, ly[0]), ly[1])];
    this.Plotly.animate(this.mapDiv, { data: [{ x: [drag.last[0]], y: [drag.last[1]] }],
                                       traces: [this.startTrace] }, ANIMATE);
    if (drag.sent === null) this.sendStart(); else drag.pending = true;
  }

  sendStart() {
    const drag = this.startDrag;
    drag.sent = ++this.seq;
    drag.sentAt = performance.now();
    drag.pending = false;
    this.trigger('drag_start', [...drag.last, drag.sent]);
  }

  startAnswered() {
    const drag = this.startDrag;
    this.root.dataset.startRoundTripMs = String(Math.round(performance.now() - drag.sentAt));
    drag.sent = null;
    if (drag.pending) this.sendStart();
  }

  dropStart(event) {
    const drag = this.startDrag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    this.startDrag = null;
    this.trigger('commit_start', drag.last);
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let view = views.get(parentElement);
  if (!view) {
    view = new LiveView(parentElement);
    views.set(parentElement, view);
  }
  view.update(data, setTriggerValue).catch((error) => { view.status.textContent = String(error); });
}

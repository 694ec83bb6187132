// The step player (see ui/animation_player.py): figures drawn once at step 0, then moved to any step by
// swapping the data of the traces that change with it. Every point comes from the server's arrays: a path
// up to step s is rows 0…s of its run (or up to where it died), the head is row s, a loss cursor is loss[s].

const players = new WeakMap(); // parentElement → its player (the module is loaded once, each call updates)

const TRAIL = 'trail', HEAD = 'head', CURSOR = 'cursor'; // trace.meta of what moves (viz/animation.py)
const PLAY = '▶', PAUSE = '❚❚';

function float32(b64) {
  return new Float32Array(bytesOf(b64).buffer);
}

function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function decodeRun(run) {
  const decoded = {};
  Object.entries(run).forEach(([name, b64]) => { decoded[name] = float32(b64); });
  return decoded;
}

function button(action, label, text) {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = `dl-step-button dl-${action}`;
  element.setAttribute('aria-label', label);
  element.textContent = text;
  return element;
}

class Player {
  constructor(parent) {
    this.root = document.createElement('div');
    this.root.className = 'dl-player';
    this.charts = document.createElement('div');
    this.charts.className = 'dl-player-charts';
    const bar = document.createElement('div');
    bar.className = 'dl-player-bar';
    this.reset = button('reset', 'Back to the start', '|◀');
    this.back = button('back', 'One step back', '−1');
    this.play = button('play', 'Play', PLAY);
    this.forward = button('forward', 'One step forward', '+1');
    this.range = document.createElement('input');
    Object.assign(this.range, { type: 'range', min: '0', max: '0', step: '1', value: '0' });
    this.range.setAttribute('aria-label', 'Animation step');
    this.label = document.createElement('output');
    this.label.className = 'dl-step-label';
    this.label.setAttribute('aria-live', 'polite');
    bar.append(this.reset, this.back, this.play, this.forward, this.range, this.label);
    this.status = document.createElement('div');
    this.status.className = 'dl-status';
    this.root.append(this.charts, bar, this.status);
    parent.appendChild(this.root);
    this.step = 0;
    this.playing = false;
    this.reset.addEventListener('click', () => { this.pause(); this.show(0); });
    this.back.addEventListener('click', () => { this.pause(); this.show(this.step - 1); });
    this.forward.addEventListener('click', () => { this.pause(); this.show(this.step + 1); });
    this.play.addEventListener('click', () => {
      try {
        if (this.playing) this.pause(); else this.start();
      } catch (error) {
        this.status.textContent = String(error);
      }
    });
    this.range.addEventListener('input', () => { this.pause(); this.schedule(Number(this.range.value)); });
    const onSpeed = (event) => {
      if (!this.root.isConnected) window.removeEventListener(SPEED_EVENT, onSpeed);
      else if (event.detail === this.kind && this.playing) { this.pause(); this.start(); } // on at the new speed
    };
    window.addEventListener(SPEED_EVENT, onSpeed);
  }

  // `bytes`: the payload as UTF-8 JSON. A rerun that changed nothing for the player (the playback speed comes
  // separately) hands it the same bytes again: nothing to decode or redraw.
  async update(bytes) {
    if (this.bytes !== undefined && sameBytes(this.bytes, bytes)) return;
    this.bytes = bytes;
    const data = this.data = JSON.parse(new TextDecoder().decode(bytes));
    this.kind = data.kind;
    this.stride = data.stride;
    const Plotly = this.Plotly = await loadPlotly(data.plotly);
    if (this.data !== data) return; // newer data arrived
    this.pause();
    this.steps = data.steps;
    this.runs = data.runs.map(decodeRun);
    this.range.max = String(data.steps);
    this.root.dataset.kind = data.kind;
    await this.draw(Plotly, data.figures);
    if (this.data !== data) return;
    this.show(Math.min(this.step, this.steps));
  }

  async draw(Plotly, figures) {
    while (this.charts.children.length > figures.length) this.charts.lastChild.remove();
    while (this.charts.children.length < figures.length) this.charts.appendChild(document.createElement('div'));
    this.charts.dataset.count = String(figures.length);
    this.graphs = [];
    for (let i = 0; i < figures.length; i++) {
      const gd = this.charts.children[i];
      gd.className = `dl-player-chart dl-player-chart-${i}`;
      await Plotly.react(gd, figures[i].data, figures[i].layout, CONFIG);
      const moving = { trails: [], heads: [], cursors: [] };
      figures[i].data.forEach((trace, index) => {
        if (trace.meta === TRAIL) moving.trails.push(index);
        else if (trace.meta === HEAD) moving.heads.push(index);
        else if (trace.meta === CURSOR) moving.cursors.push(index);
      });
      moving.threeD = moving.trails.length > 0 && figures[i].data[moving.trails[0]].type === 'scatter3d';
      this.graphs.push({ gd, moving });
    }
  }

  // Trail, head and cursor data of one graph at `step`: rows 0…step of each run (fewer where a run died).
  frameOf(moving, step) {
    const data = [], traces = [];
    const upTo = (values, last) => values.subarray(0, last + 1);
    moving.trails.forEach((index, r) => {
      const run = this.runs[r], last = Math.min(step, run.x.length - 1);
      const trail = { x: upTo(run.x, last), y: upTo(run.y, last) };
      const head = { x: upTo(run.x, last).subarray(last), y: upTo(run.y, last).subarray(last) }; // empty if no row
      if (moving.threeD) { trail.z = upTo(run.z, last); head.z = upTo(run.z, last).subarray(last); }
      data.push(trail, head);
      traces.push(index, moving.heads[r]);
    });
    moving.cursors.forEach((index) => {
      data.push({ x: this.runs.map(() => step), y: this.runs.map((run) => (step < run.loss.length ? run.loss[step] : NaN)) });
      traces.push(index);
    });
    return { data, traces };
  }

  show(step) {
    if (!this.graphs) return;
    this.step = Math.min(Math.max(Math.round(step), 0), this.steps);
    this.graphs.forEach(({ gd, moving }) => {
      const frame = this.frameOf(moving, this.step);
      if (moving.threeD) { // WebGL scenes take no redraw-free frames: restyle the moving traces instead
        const update = {};
        ['x', 'y', 'z'].forEach((axis) => { update[axis] = frame.data.map((d) => d[axis]); });
        this.Plotly.restyle(gd, update, frame.traces);
      } else {
        this.Plotly.animate(gd, frame, ANIMATE);
      }
    });
    this.range.value = String(this.step);
    this.label.textContent = `step ${this.step} / ${this.steps}`;
    this.root.dataset.step = String(this.step); // tests wait for it
  }

  // At most one redraw per frame while the scrubber is dragged: only the latest step is drawn.
  schedule(step) {
    const first = this.pending === undefined;
    this.pending = step;
    if (!first) return;
    requestAnimationFrame(() => {
      const latest = this.pending;
      this.pending = undefined;
      this.show(latest);
    });
  }

  start() {
    const frameMs = playbackSpeeds().get(this.kind);
    if (frameMs === undefined) throw new Error('The playback speed has not arrived.');
    if (this.step >= this.steps) this.show(0);
    this.playing = true;
    this.play.textContent = PAUSE;
    this.play.setAttribute('aria-label', 'Pause');
    const from = this.step, began = performance.now();
    const tick = (now) => {
      if (!this.playing) return;
      const step = Math.min(from + Math.floor(((now - began) / frameMs) * this.stride), this.steps);
      if (step !== this.step) this.show(step);
      if (step >= this.steps) this.pause(); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    this.play.textContent = PLAY;
    this.play.setAttribute('aria-label', 'Play');
  }
}

export default function (component) {
  const { data, parentElement } = component;
  let player = players.get(parentElement);
  if (!player) {
    player = new Player(parentElement);
    players.set(parentElement, player);
  }
  player.update(data).catch((error) => { player.status.textContent = String(error); });
}

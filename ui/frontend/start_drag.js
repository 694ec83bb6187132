// Dragging the start marker on the live map (see ui/live_paths.py). A press near the marker takes the
// pointer away from Plotly's zoom box; a ring follows the pointer at once (plain CSS, no Plotly redraw), and
// the server computes the runs from the ring's point, one request in flight at a time. The next request also
// asks for TRAIL_POINTS points evenly spaced on the way from the point sent before (the pointer moves a few
// pixels per frame, so the way between two requests is all but straight): the paths then move through them,
// one frame each, instead of jumping once per round trip. Releasing commits the start.

const START_GRAB_PX = 16; // a press this close to the start marker drags it
const TRAIL_POINTS = 3; // more make smoother moves but longer answers and round trips

class StartDrag {
  constructor(view, box) {
    this.view = view;
    this.drag = null; // {pointerId, last, sent, sentAt, from: the point sent before, moved since sent}
    this.seq = 0;
    this.ring = document.createElement('div');
    this.ring.className = 'dl-grab';
    this.ring.hidden = true;
    box.appendChild(this.ring);
    const gd = view.mapDiv;
    gd.addEventListener('pointerdown', (event) => this.grab(event), true);
    gd.addEventListener('pointermove', (event) => this.move(event));
    gd.addEventListener('pointerup', (event) => this.drop(event));
    gd.addEventListener('pointercancel', (event) => this.drop(event));
  }

  // Pixels from the map's top left corner of data point [x, y], and back.
  toPixels([x, y]) {
    const layout = this.view.mapDiv._fullLayout;
    return [layout.xaxis.l2p(x) + layout.xaxis._offset, layout.yaxis.l2p(y) + layout.yaxis._offset];
  }

  toData(event) {
    const layout = this.view.mapDiv._fullLayout;
    const box = this.view.mapDiv.getBoundingClientRect();
    return [layout.xaxis.p2l(event.clientX - box.left - layout.xaxis._offset),
            layout.yaxis.p2l(event.clientY - box.top - layout.yaxis._offset)];
  }

  grab(event) {
    const data = this.view.data;
    if (!this.view.mapDiv._fullLayout || this.view.startTrace === undefined || !data) return;
    const box = this.view.mapDiv.getBoundingClientRect();
    const [px, py] = this.toPixels(data.start);
    if (Math.hypot(event.clientX - box.left - px, event.clientY - box.top - py) > START_GRAB_PX) return;
    event.preventDefault();
    event.stopPropagation();
    this.view.mapDiv.setPointerCapture(event.pointerId);
    this.drag = { pointerId: event.pointerId, last: [...data.start], sent: null, from: null, moved: false };
    this.showRing();
  }

  move(event) {
    const drag = this.drag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    const [lx, ly] = this.view.data.start_limits;
    const [x, y] = this.toData(event);
    drag.last = [Math.min(Math.max(x, lx[0]), lx[1]), Math.min(Math.max(y, ly[0]), ly[1])];
    this.showRing();
    if (drag.sent === null) this.send(); else drag.moved = true;
  }

  showRing() {
    const [px, py] = this.toPixels(this.drag.last);
    this.ring.style.transform = `translate(${px}px, ${py}px)`;
    this.ring.hidden = false;
  }

  hideRing() {
    if (!this.drag) this.ring.hidden = true;
  }

  // [x, y, request number, then the points on the way there, in order].
  send() {
    const drag = this.drag;
    const [x, y] = drag.last;
    const way = [];
    if (drag.from) {
      const [fx, fy] = drag.from;
      for (let k = 1; k <= TRAIL_POINTS; k++) {
        const share = k / (TRAIL_POINTS + 1);
        way.push(fx + (x - fx) * share, fy + (y - fy) * share);
      }
    }
    drag.from = [x, y];
    drag.sent = ++this.seq;
    drag.sentAt = performance.now();
    drag.moved = false;
    this.view.trigger('drag_start', [x, y, drag.sent, ...way]);
  }

  // The runs from request `seq` are drawn: send the latest point if the pointer moved meanwhile.
  answered(seq) {
    const drag = this.drag;
    if (!drag || seq !== drag.sent) return;
    this.view.root.dataset.startRoundTripMs = String(Math.round(performance.now() - drag.sentAt));
    drag.sent = null;
    if (drag.moved) this.send();
  }

  drop(event) {
    const drag = this.drag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    this.drag = null; // the ring stays until the committed start is drawn (hideRing)
    this.view.trigger('commit_start', drag.last);
  }
}

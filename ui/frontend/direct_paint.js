// Painting a dragged control's runs straight into the live map's own SVG (see live_chart.js), between the
// frames plotly.js draws. Every Plotly.animate call re-reads the figure's defaults and crawls each trace's
// attribute schema with Array.prototype.concat, which is slow in a page where Apache Arrow (loaded by
// Streamlit's component runtime) marks objects concat-spreadable; a drag asks for a frame per pointer move.
// Here the paths' lines and the runs' end markers Plotly has already drawn are moved in place, with the map
// axes' own data → pixel mapping, and the trace data is kept in step; the view lets plotly.js draw the same
// frame again once the drag pauses, so what stays on screen is exactly what Plotly draws.

const PIXEL_LIMIT = 1e5; // line ends further off the plot than this are cut back along their segment

// The part of segment (x0, y0) → (x1, y1) inside the square ±PIXEL_LIMIT (Liang–Barsky): [t0, t1] along
// it, or null if it misses the square. Browsers lose precision on coordinates far beyond the plot.
function clipSpan(x0, y0, x1, y1) {
  let t0 = 0, t1 = 1;
  const dx = x1 - x0, dy = y1 - y0;
  const edges = [[-dx, x0 + PIXEL_LIMIT], [dx, PIXEL_LIMIT - x0], [-dy, y0 + PIXEL_LIMIT], [dy, PIXEL_LIMIT - y0]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
    } else if (p < 0) {
      t0 = Math.max(t0, q / p);
    } else {
      t1 = Math.min(t1, q / p);
    }
  }
  return t0 <= t1 ? [t0, t1] : null;
}

const pixel = (value) => Math.round(value * 100) / 100; // as plotly.js writes its paths

// The SVG path of the polyline through pixel points (px[i], py[i]): broken where a point has no value,
// as a Plotly line trace with connectgaps off.
function polyline(px, py) {
  const parts = [];
  let penX = NaN, penY = NaN; // where the pen is, NaN when lifted
  for (let i = 1; i < px.length; i++) {
    const x0 = px[i - 1], y0 = py[i - 1], x1 = px[i], y1 = py[i];
    if (![x0, y0, x1, y1].every(Number.isFinite)) continue;
    const span = clipSpan(x0, y0, x1, y1);
    if (!span) continue;
    const [t0, t1] = span;
    const [ax, ay] = t0 === 0 ? [x0, y0] : [x0 + t0 * (x1 - x0), y0 + t0 * (y1 - y0)];
    if (ax !== penX || ay !== penY) parts.push(`M${pixel(ax)},${pixel(ay)}`);
    [penX, penY] = t1 === 1 ? [x1, y1] : [x0 + t1 * (x1 - x0), y0 + t1 * (y1 - y0)];
    parts.push(`L${pixel(penX)},${pixel(penY)}`);
  }
  return parts.join('');
}

class DirectPaint {
  constructor(gd) {
    this.gd = gd;
  }

  // Trace index → the <g class="trace"> plotly.js drew it in.
  groups() {
    const found = new Map();
    this.gd.querySelectorAll('.scatterlayer > .trace').forEach((group) => {
      const calc = group.__data__;
      if (calc && calc[0] && calc[0].trace) found.set(calc[0].trace.index, group);
    });
    return found;
  }

  // Paint `frame` ({data: [{x, y}], traces: [index]}: line traces and marker traces) in place. False, with
  // nothing painted, when plotly.js has not drawn the elements the frame needs (a line it had no points for,
  // a marker it had no position for, or one it had that now has none): plotly.js must draw that frame.
  paint(frame) {
    const groups = this.groups();
    const { xaxis, yaxis } = this.gd._fullLayout;
    const writes = [];
    for (let k = 0; k < frame.traces.length; k++) {
      const group = groups.get(frame.traces[k]);
      if (!group) return false;
      const { x, y } = frame.data[k];
      const px = Array.from(x, (v) => xaxis.c2p(v)), py = Array.from(y, (v) => yaxis.c2p(v));
      const lines = group.querySelectorAll('path.js-line');
      const points = group.querySelectorAll('path.point');
      if (lines.length) {
        const d = polyline(px, py);
        writes.push(() => lines.forEach((line, i) => line.setAttribute('d', i ? '' : d)));
      } else if (points.length || px.length) {
        const drawn = new Map(Array.from(points, (point) => [point.__data__.i, point]));
        const placed = px.filter((v, i) => Number.isFinite(v) && Number.isFinite(py[i])).length;
        if (placed !== drawn.size) return false;
        for (const [i, point] of drawn) {
          if (!Number.isFinite(px[i]) || !Number.isFinite(py[i])) return false;
          writes.push(() => point.setAttribute('transform', `translate(${px[i]},${py[i]})`));
        }
      }
    }
    writes.forEach((write) => write());
    frame.traces.forEach((index, k) => Object.assign(this.gd.data[index], frame.data[k]));
    return true;
  }
}

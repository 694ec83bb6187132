// plotly.js for the components that draw charts (the live chart, the step player): loaded once per page from
// the app's static folder (ui/live_paths.py plotly_asset), and drawn with the same settings.
const PLOTLY_LOAD = Symbol.for('descent-lab.plotly-load');
// Moving traces without a redraw paints in the same frame (the contour underneath is not recomputed).
const ANIMATE = { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: 'immediate' };
const CONFIG = { displaylogo: false, scrollZoom: false, responsive: true };

function loadPlotly(url) {
  if (!window[PLOTLY_LOAD]) {
    window[PLOTLY_LOAD] = window.Plotly ? Promise.resolve(window.Plotly) : new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error(`plotly.js did not load from ${url}`));
      document.head.appendChild(script);
    });
  }
  return window[PLOTLY_LOAD];
}

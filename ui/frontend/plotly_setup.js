// plotly.js for the components that draw charts (the live chart, the step player): loaded from the app's
// static folder (ui/front_end.py), and drawn with the same settings.
const PLOTLY_LOAD = Symbol.for('descent-lab.plotly-loads');
// Moving traces without a redraw paints in the same frame (the contour underneath is not recomputed).
const ANIMATE = { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: 'immediate' };
const CONFIG = { displaylogo: false, scrollZoom: false, responsive: true };

// The plotly.js that `url` holds, loaded once per page: a script sets the global Plotly as it runs, and its
// `load` event comes right after, so each bundle is taken as it sets it (the live chart's basic bundle and the
// step player's full one may both be loaded).
function loadPlotly(url) {
  const loads = window[PLOTLY_LOAD] || (window[PLOTLY_LOAD] = new Map());
  if (!loads.has(url)) {
    loads.set(url, new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error(`plotly.js did not load from ${url}`));
      document.head.appendChild(script);
    }));
  }
  return loads.get(url);
}

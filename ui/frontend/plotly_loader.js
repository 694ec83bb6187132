// Loads plotly.js for the charts to come (see ui/chart_library.py); draws nothing.
export default function (component) {
  loadPlotly(component.data.plotly);
}

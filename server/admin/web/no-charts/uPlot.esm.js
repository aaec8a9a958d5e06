// Stands in for uPlot when ternd was built without npm: the overview shows numbers only.
export default null;

/* The 940 maps: the districts as the base layer (no tile server needed), the reports as
   points. The data is in the page (#map-data); the same counts are in the table below the map,
   which is what a screen reader reads. */
(function () {
  "use strict";
  var holder = document.getElementById("report-map");
  var source = document.getElementById("map-data");
  if (!holder || !source || !window.L) return;
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var rtl = document.documentElement.dir === "rtl";

  var map = L.map(holder, {
    zoomControl: false,
    attributionControl: true,
    scrollWheelZoom: false,
    keyboard: true,
    // Without a tile layer the map has no zoom limits; a lone point would zoom forever.
    minZoom: 5,
    maxZoom: 18
  });
  L.control.zoom({
    position: rtl ? "topright" : "topleft",
    zoomInTitle: labels.zoomIn,
    zoomOutTitle: labels.zoomOut
  }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (data.tiles.url) {
    L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(map);
  }

  function shade(count) {
    if (count >= 50) return "#0b4f3a";
    if (count >= 20) return "#0b6e4f";
    if (count >= 5) return "#3f9a7b";
    if (count >= 1) return "#8cc7b0";
    return "#e6efe9";
  }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span.innerHTML;
  }

  var areas = L.geoJSON(data.areas, {
    style: function (feature) {
      var p = feature.properties;
      var district = p.kind === "district";
      return {
        color: district ? "#45524d" : "#1d2b26",
        weight: district ? 1 : 2.5,
        fillColor: district ? shade(p.open + p.closed) : "#f7f9f8",
        fillOpacity: district ? 0.55 : 0.25,
        dashArray: district ? "3 3" : null
      };
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip(
        "<strong>" + text(p.name) + "</strong><br>" + text(labels.open) + ": " + p.open +
          " · " + text(labels.closed) + ": " + p.closed,
        { sticky: true }
      );
    }
  }).addTo(map);
  // Sub-municipalities under their districts, so that a district's tooltip wins.
  areas.eachLayer(function (layer) {
    if (layer.feature.properties.kind !== "district") layer.bringToBack();
  });

  var points = L.layerGroup().addTo(map);
  data.markers.forEach(function (m) {
    var closed = m.status === "closed";
    var marker = L.circleMarker([m.lat, m.lon], {
      radius: 6,
      color: "#ffffff",
      weight: 1.5,
      fillColor: closed ? "#5b6b65" : "#b5651d",
      fillOpacity: 0.95
    });
    marker.bindPopup(
      '<a href="' + encodeURI(m.url) + '" dir="ltr">' + text(m.ref) + "</a><br>" +
        text(m.category) + " — " + text(closed ? labels.closed : labels.open) +
        (m.close_url
          ? '<br><a href="' + encodeURI(m.close_url) + '">' + text(labels.closeWithProof) + "</a>"
          : "")
    );
    marker.addTo(points);
  });

  var bounds = data.markers.length
    ? L.latLngBounds(data.markers.map(function (m) { return [m.lat, m.lon]; })).pad(0.2)
    : areas.getBounds();
  map.fitBounds(bounds.isValid() ? bounds : areas.getBounds(), { maxZoom: 13 });
})();

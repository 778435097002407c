// Preselects the browser's own time zone on the sign-in form (the server validates whatever is sent).
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("select[data-browser-zone]");
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (select && zone && select.value === "UTC") {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) { select.value = zone; break; }
    }
  }
});

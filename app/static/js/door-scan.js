// The door's scan page (templates/activities/door/check_in.html): where the browser has BarcodeDetector and a
// camera, a button reads QR codes with the camera and sends the form; without it the form (typed code, or a
// scanner that types) works as it is. The sign-in sheet's Print button too.
(function () {
  "use strict";

  function setUp() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var form = document.querySelector("[data-door-scan]");
    if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
      return;
    }
    var start = form.querySelector("[data-camera]");
    var view = form.querySelector("[data-camera-view]");
    var video = view.querySelector("video");
    var status = view.querySelector("[data-camera-status]");
    var messages = form.querySelector("[data-camera-messages]");
    var input = form.querySelector("#code");
    var stream = null;
    var detector = null;
    start.hidden = false;

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
      }
      stream = null;
      view.hidden = true;
    }

    function look() {
      if (!stream) {
        return;
      }
      detector.detect(video).then(function (codes) {
        if (codes.length && codes[0].rawValue) {
          input.value = codes[0].rawValue;
          stop();
          form.submit();
          return;
        }
        window.setTimeout(look, 250);
      }).catch(function () { window.setTimeout(look, 500); });
    }

    start.addEventListener("click", function () {
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (err) {
        status.textContent = messages.dataset.noCamera;
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s;
        video.srcObject = s;
        view.hidden = false;
        status.textContent = messages.dataset.looking;
        return video.play();
      }).then(look).catch(function () {
        view.hidden = false;
        status.textContent = messages.dataset.noCamera;
        input.focus();
      });
    });
    view.querySelector("[data-camera-stop]").addEventListener("click", function () {
      stop();
      input.focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

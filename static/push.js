// Web push: asks for permission only after the parent ticks "notifications on this device",
// then puts the device's FCM registration token into the form. Without JavaScript, or without
// Firebase settings, the option is not shown at all.
(() => {
  const form = document.querySelector("form[data-firebase-config]");
  const box = form && form.querySelector("input[name=push]");
  if (!box || !("serviceWorker" in navigator) || !("Notification" in window)) return;
  box.closest("[data-push-option]").hidden = false;
  const status = form.querySelector("[data-push-status]");
  const tokenInput = form.querySelector("input[name=push_token]");
  const config = JSON.parse(form.dataset.firebaseConfig);

  box.addEventListener("change", async () => {
    tokenInput.value = "";
    status.textContent = "";
    if (!box.checked) return;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        box.checked = false;
        status.textContent = status.dataset.denied;
        return;
      }
      const registration = await navigator.serviceWorker.register("/firebase-messaging-sw.js");
      firebase.initializeApp(config);
      tokenInput.value = await firebase.messaging().getToken({
        vapidKey: config.vapidKey,
        serviceWorkerRegistration: registration,
      });
      status.textContent = status.dataset.ready;
    } catch (error) {
      box.checked = false;
      status.textContent = status.dataset.failed;
    }
  });
})();

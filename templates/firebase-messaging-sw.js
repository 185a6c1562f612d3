// The push service worker: Firebase shows the notification (its title and body were chosen by
// the server: a neutral line unless the parent asked for previews) and a tap opens its link.
importScripts("/static/vendor/firebase/firebase-app-compat.js");
importScripts("/static/vendor/firebase/firebase-installations-compat.js");
importScripts("/static/vendor/firebase/firebase-messaging-compat.js");
firebase.initializeApp({{ config | tojson }});
firebase.messaging();

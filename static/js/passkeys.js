// Passkeys (WebAuthn): add one on the account page ([data-passkey-register]), sign in
// with one on the login and second-step pages ([data-passkey-sign-in]). The server gives
// the options as JSON with binary fields in base64url and takes the browser's answer the
// same way; every POST carries the page's CSRF token in X-CSRFToken.
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf,
                "Accept": "application/json"},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || response.statusText);
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, {id: toBytes(c.id)});
    });
  }

  function credentialJSON(credential) {
    var r = credential.response;
    var response = {clientDataJSON: toBase64url(r.clientDataJSON)};
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    return {
      id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
      response: response, authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  // Shows why it failed: the server's words, or the page's own for the browser's errors
  // (cancelled, timed out, no passkey on this device).
  function failed(root, error) {
    var status = root.querySelector("[data-passkey-status]");
    var fromServer = error && error.name === "Error" && error.message;
    status.textContent = fromServer || root.dataset.failed;
  }

  document.querySelectorAll("[data-passkey-sign-in]").forEach(function (root) {
    var data = root.dataset;
    root.hidden = false;
    root.querySelector("button").addEventListener("click", function () {
      root.querySelector("[data-passkey-status]").textContent = "";
      post(data.optionsUrl, data.csrf).then(function (options) {
        options.challenge = toBytes(options.challenge);
        options.allowCredentials = descriptors(options.allowCredentials);
        return navigator.credentials.get({publicKey: options});
      }).then(function (credential) {
        return post(data.verifyUrl, data.csrf, credentialJSON(credential));
      }).then(function (result) {
        window.location.assign(result.redirect);
      }).catch(function (error) { failed(root, error); });
    });
  });

  document.querySelectorAll("[data-passkey-register]").forEach(function (form) {
    var data = form.dataset;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = form.querySelector("input[name=name]");
      form.querySelector("[data-passkey-status]").textContent = "";
      if (!name.value.trim()) { name.focus(); return; }
      post(data.optionsUrl, data.csrf).then(function (options) {
        options.challenge = toBytes(options.challenge);
        options.user.id = toBytes(options.user.id);
        options.excludeCredentials = descriptors(options.excludeCredentials);
        return navigator.credentials.create({publicKey: options});
      }).then(function (credential) {
        return post(data.addUrl, data.csrf,
                    {name: name.value.trim(), credential: credentialJSON(credential)});
      }).then(function (result) {
        window.location.assign(result.redirect);
      }).catch(function (error) { failed(form, error); });
    });
  });
})();

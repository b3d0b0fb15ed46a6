// Pay by card on the client's invoice page (templates/payments/public_pay.html).
// 1. POST the start URL (JSON {amount?, save_card}) -> {client_secret, status_url};
// 2. stripe.confirmCardPayment(client_secret, {payment_method: {card}}): Stripe.js opens
//    its 3-D Secure modal itself when the bank asks for it;
// 3. POST the status URL: the server reads the payment back from Stripe and says what is
//    true — paid (the page reloads to show the invoice paid), processing, or failed with
//    Stripe's message, and the Pay button comes back.
// The page is served with Referrer-Policy: no-referrer, under which a POST would carry
// "Origin: null" and fail Django's CSRF origin check; each fetch says same-origin.
(function () {
  "use strict";

  var panel = document.getElementById("pay-panel");
  if (!panel) return;
  var form = document.getElementById("pay-form");
  var button = document.getElementById("pay-button");
  var result = document.getElementById("pay-result");
  if (typeof window.Stripe !== "function") {
    // Stripe.js did not load (offline, blocked): say so rather than offer a dead button.
    result.className = "alert alert-warning";
    result.textContent = "Card payment could not load. Reload the page, or pay as the invoice below describes.";
    button.disabled = true;
    return;
  }
  var amountInput = document.getElementById("pay-amount");
  var saveInput = document.getElementById("pay-save");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  var stripe = window.Stripe(panel.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#pay-card");

  function show(kind, title, text) {
    result.className = "alert alert-" + kind;
    result.textContent = "";
    var body = document.createElement("div");
    body.className = "alert-body";
    var strong = document.createElement("strong");
    strong.textContent = title;
    body.appendChild(strong);
    if (text) body.appendChild(document.createTextNode(" " + text));
    result.appendChild(body);
  }

  function busy(on, label) {
    button.disabled = on;
    button.textContent = on ? label : button.dataset.label;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      mode: "same-origin",
      credentials: "same-origin",
      referrerPolicy: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        var wait = response.headers.get("Retry-After");
        throw new Error(response.status === 429
          ? "Too many attempts from your connection. Try again in " + (wait || "a few") + " seconds."
          : "The payment could not be started (error " + response.status + "). Reload the page and try again.");
      }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "The payment could not be started.");
        return data;
      });
    });
  }

  function outcome(data, stripeError) {
    if (data.status === "paid") {
      show("success", "Paid.", data.message);
      button.hidden = true;
      window.setTimeout(function () { window.location.reload(); }, 1500);
    } else if (data.status === "processing") {
      show("info", "Processing.", data.message);
      button.hidden = true;
    } else {
      var message = stripeError && stripeError.message && data.message.indexOf("not completed") !== -1
        ? stripeError.message : data.message;
      show("error", "Payment failed.", message);
      busy(false);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    busy(true, "Paying…");
    result.className = "";
    result.textContent = "";
    var body = { save_card: saveInput.checked };
    if (amountInput) body.amount = amountInput.value.trim();
    var statusUrl;
    post(panel.dataset.startUrl, body)
      .then(function (start) {
        statusUrl = start.status_url;
        return stripe.confirmCardPayment(start.client_secret, { payment_method: { card: card } });
      })
      .then(function (confirmed) {
        busy(true, "Checking…");
        return post(statusUrl).then(function (data) { outcome(data, confirmed && confirmed.error); });
      })
      .catch(function (error) {
        show("error", "Payment failed.", error.message);
        busy(false);
      });
  });
})();

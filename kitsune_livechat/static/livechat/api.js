// The HTTP API client (docs/http-api.md): session cookie + CSRF header for people who are logged
// in, the signed visitor token for anonymous visitors. Errors become ApiError {status, code,
// detail} so screens can show the server's own words.

import { gettext } from "./dom.js";

export class ApiError extends Error {
  constructor(status, code, detail, body = null) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body;
  }
}

function cookie(name) {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return "";
}

export class Api {
  constructor({ root, csrfToken = "", token = "" }) {
    this.root = root.endsWith("/") ? root : `${root}/`;
    this.csrfToken = csrfToken;
    this.token = token;
  }

  url(path, params) {
    const url = new URL(path.startsWith("/") ? path : this.root + path, window.location.origin);
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    return url.toString();
  }

  headers(extra = {}) {
    const headers = { Accept: "application/json", ...extra };
    const csrf = cookie("csrftoken") || this.csrfToken;
    if (csrf) headers["X-CSRFToken"] = csrf;
    if (this.token) headers["X-Livechat-Token"] = this.token;
    return headers;
  }

  async request(method, path, { body, params } = {}) {
    let response;
    try {
      response = await fetch(this.url(path, params), {
        method,
        credentials: "same-origin",
        headers: this.headers(body === undefined ? {} : { "Content-Type": "application/json" }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(
        0,
        "network",
        gettext("Could not reach the server. Check your connection."),
      );
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const detail = data?.detail || gettext("Something went wrong. Please try again.");
      throw new ApiError(response.status, data?.code || `http_${response.status}`, detail, data);
    }
    return data;
  }

  get(path, params) {
    return this.request("GET", path, { params });
  }

  post(path, body = {}) {
    return this.request("POST", path, { body });
  }

  put(path, body = {}) {
    return this.request("PUT", path, { body });
  }

  /** Fetch a file through the API's credentials and hand it to the browser as a download. */
  async download(path, filename) {
    const response = await fetch(this.url(path), {
      credentials: "same-origin",
      headers: this.headers(),
    });
    if (!response.ok) throw new ApiError(response.status, "download", gettext("Download failed."));
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}

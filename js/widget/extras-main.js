/**
 * Entry point of widget-extras.js: announce the extras to the core that loaded this script
 * (``livechat:extras``, whose detail makes them for a widget). No global is added.
 */
import { Extras } from "./extras.js";

document.dispatchEvent(new CustomEvent("livechat:extras", { detail: (widget) => new Extras(widget) }));

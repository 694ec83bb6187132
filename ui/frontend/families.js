// The families a live chart holds and asks for, per control id (a family: every option's run of one control,
// from the server's family route, ui/family_route.py). Each is good while its key is the control's family_key:
// the settings it was computed for, but the control's own value. A pointer on its way to a control passes
// over others: each is asked for at most once per key, and pressing one finds it held.

class Families {
  constructor() {
    this.held = new Map(); // control id → decoded family
    this.asked = new Map(); // control id → the key its family was asked for with
  }

  // The family of `control` good for the settings on screen, or undefined.
  of(control) {
    const family = this.held.get(control.id);
    return family && family.key === control.family_key ? family : undefined;
  }

  // Keep an encoded family (decode.js) unless the same one is held.
  take(encoded) {
    const held = this.held.get(encoded.control);
    if (!held || held.key !== encoded.key) this.held.set(encoded.control, decodeFamily(encoded));
  }

  // Ask the route at `url` for the family of `control` under `settings`, unless it is held or on its way;
  // resolves to the encoded family, or to undefined when there was nothing to ask. A refusal or a network
  // failure rejects with the server's one line.
  async request(url, settings, control) {
    if (this.of(control) || this.asked.get(control.id) === control.family_key) return undefined;
    this.asked.set(control.id, control.family_key);
    try {
      const response = await fetch(new URL(url, document.baseURI), {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ settings, runs: control.runs, hp: control.hp }),
      });
      if (!response.ok) throw new Error(await response.text());
      return { ...(await response.json()), control: control.id };
    } finally {
      if (this.asked.get(control.id) === control.family_key) this.asked.delete(control.id);
    }
  }
}

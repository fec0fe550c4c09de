// Work that must follow the reader's newest input without piling up (a live run, a comparison redraw).
// A request while a pass is in flight asks for one more pass after it, however many requests came
// meanwhile: the last value the reader set is always drawn, and never more than one pass waits.

export class Latest {
  // `pass` is an async function; it returns false to end early (the page was left, the run failed), which
  // drops a pending pass too: the next request starts afresh.
  constructor(pass) {
    this.pass = pass;
    this.busy = false; // a pass is in flight
    this.pending = false; // a request came during it
  }

  request() {
    if (this.busy) {
      this.pending = true;
      return;
    }
    this.run();
  }

  async run() {
    this.busy = true;
    try {
      do {
        this.pending = false;
        if ((await this.pass()) === false) return;
      } while (this.pending);
    } finally {
      this.busy = false;
    }
  }
}

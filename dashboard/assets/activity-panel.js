/**
 * Recent webhook events and sales: loaded from the API when those endpoints
 * exist, then kept current from `webhook.received` and `sale.recorded`.
 */
import { byId, h, show, when } from './dom.js';

const MAX_ITEMS = 25;

export class ActivityPanel {
  /** @param {{ siteName: (id: string) => string | undefined }} options */
  constructor(options) {
    this.options = options;
    this.items = [];
  }

  /** Initial items: sales and webhook events from the API (either may be empty). */
  load(sales, webhookEvents) {
    this.items = [
      ...sales.map((sale) => ({ kind: 'sale', at: sale.occurredAt ?? sale.createdAt, data: sale, key: `sale:${sale.id}` })),
      ...webhookEvents.map((ev) => ({ kind: 'webhook', at: ev.receivedAt ?? ev.occurredAt ?? ev.createdAt, data: ev, key: `webhook:${ev.id}` })),
    ];
    this.render();
  }

  apply(event) {
    if (event.name !== 'sale.recorded' && event.name !== 'webhook.received') return;
    const kind = event.name === 'sale.recorded' ? 'sale' : 'webhook';
    // Keys match the API's items: a sale's id is `saleId` in the event, a webhook event's is `eventId`.
    const id = kind === 'sale' ? event.data?.saleId ?? event.data?.id : event.data?.eventId ?? event.data?.id;
    const key = `${kind}:${id ?? event.at}`;
    if (this.items.some((item) => item.key === key)) return;
    this.items.push({ kind, at: event.at, data: { ...event.data, siteId: event.data?.siteId ?? event.siteId }, key, fresh: true });
    this.render();
  }

  render() {
    this.items.sort((a, b) => String(b.at).localeCompare(String(a.at)));
    this.items = this.items.slice(0, MAX_ITEMS);
    const siteLabel = (id) => (id ? this.options.siteName(id) ?? `site ${String(id).slice(0, 8)}` : '');
    byId('activity-feed').replaceChildren(...this.items.map((item) => (item.kind === 'sale' ? saleItem(item, siteLabel) : webhookItem(item))));
    show(byId('activity-empty'), this.items.length === 0);
  }
}

function saleItem(item, siteLabel) {
  const d = item.data;
  const amount = d.amount !== undefined ? `${d.amount} ${d.currency ?? ''}`.trim() : '';
  const negative = String(d.amount ?? '').startsWith('-') || d.kind === 'refund' || d.kind === 'chargeback';
  return h('li', { class: `feed-item${item.fresh ? ' fresh' : ''}`, dataset: { kind: 'sale' } },
    h('span', { class: 'feed-icon sale', 'aria-hidden': 'true' }, negative ? '−' : '+'),
    h('span', { class: 'feed-main' },
      h('span', { class: 'feed-title' }, `${d.kind ?? 'sale'} · ${d.network ?? ''}`),
      h('span', { class: 'muted small' }, [when(item.at), siteLabel(d.siteId)].filter(Boolean).join(' · ')),
    ),
    h('span', { class: negative ? 'amount negative' : 'amount' }, amount),
  );
}

function webhookItem(item) {
  const d = item.data;
  return h('li', { class: `feed-item${item.fresh ? ' fresh' : ''}`, dataset: { kind: 'webhook' } },
    h('span', { class: 'feed-icon webhook', 'aria-hidden': 'true' }, '↘'),
    h('span', { class: 'feed-main' },
      h('span', { class: 'feed-title' }, `${d.type ?? 'webhook'}`),
      h('span', { class: 'muted small' }, `${when(item.at)} · ${d.connector ?? d.source ?? ''}`),
    ),
    h('span', { class: 'muted small' }, d.status ?? ''),
  );
}

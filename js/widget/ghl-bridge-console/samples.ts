/**
 * Example events, offered as samples until the backend has seen real ones (marked
 * "Example" in their label). Shapes as the flows read them (`flows::parse_event`).
 */
import type { SampleEvent } from "./backend.js";

/** A Wishpond lead and a Qwilr acceptance. */
export function exampleSamples(now: number): SampleEvent[] {
  const seenAt = new Date(now).toISOString();
  return [
    {
      source: "wishpond",
      seenAt,
      label: "Example: Wishpond lead jane.doe@example.com (Spring Giveaway)",
      event: {
        type: "wishpond.contact.created",
        id: "example-wishpond-lead",
        payload: {
          event: "lead.created",
          campaign: { id: 1184302, name: "Spring Giveaway", type: "contest" },
          lead: {
            email: "  Jane.Doe@Example.COM ",
            first_name: "jane",
            last_name: "DOE",
            phone: "(415) 555-0123",
            company: "Acme Corp ",
            city: "san francisco",
            tags: ["Newsletter", "Giveaway"],
            opted_in: true,
            utm: { source: "Facebook", medium: "cpc", campaign: "spring_launch" },
          },
        },
      },
    },
    {
      source: "qwilr",
      seenAt,
      label: "Example: Qwilr proposal accepted by Jane Doe",
      event: {
        type: "qwilr.page.accepted",
        id: "example-qwilr-accepted",
        payload: {
          event: "page.accepted",
          occurredAt: seenAt,
          page: {
            id: "pg_example",
            name: "Website Redesign Proposal",
            link: "https://example.qwilr.com/website-redesign",
            value: { amount: "18,500.00", currency: "USD" },
          },
          acceptance: { name: "Jane Doe", signedAt: seenAt },
          contact: { email: "jane.doe@example.com", firstName: "jane", lastName: "doe" },
        },
      },
    },
  ];
}

/** A short label for an event the backend saw. */
export function sampleLabel(event: SampleEvent["event"]): string {
  const p = event.payload as Record<string, Record<string, unknown> | undefined>;
  const email = (p.lead?.email ?? p.contact?.email ?? "") as string;
  const what = event.type.startsWith("qwilr.") ? "Qwilr" : "Wishpond";
  return `${what} ${event.type.split(".").slice(1).join(" ")} ${String(email).trim()}`.trim();
}

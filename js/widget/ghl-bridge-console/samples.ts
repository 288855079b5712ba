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
      // As the core's `toFlowEvent` gives a polled lead (src/sources/events.rs).
      event: {
        type: "wishpond.lead.created",
        id: "example-wishpond-lead",
        payload: {
          type: "wishpond.lead.created",
          id: "example-wishpond-lead",
          arrived: "page",
          lead: {
            id: "48211907",
            email: "  Jane.Doe@Example.COM ",
            dynamic_attributes: {
              first_name: "jane",
              last_name: "DOE",
              phone_number: "(415) 555-0123",
              company: "Acme Corp ",
              geoip_city: "san francisco",
            },
          },
          page: { url: "https://example.wishpond.com/spring-giveaway", title: "Spring Giveaway" },
          utm: { utm_source: "Facebook", utm_medium: "cpc", utm_campaign: "spring_launch" },
        },
      },
    },
    {
      source: "qwilr",
      seenAt,
      label: "Example: Qwilr proposal accepted by Jane Doe",
      // As the core's `toFlowEvent` gives an accepted page after the page read.
      event: {
        type: "qwilr.pageAccepted",
        id: "example-qwilr-accepted",
        payload: {
          type: "qwilr.pageAccepted",
          id: "example-qwilr-accepted",
          page: {
            id: "pg_example",
            name: "Website Redesign Proposal",
            status: "accepted",
            link: "https://example.qwilr.com/website-redesign",
            tags: ["Web"],
            metadata: { email: "jane.doe@example.com" },
          },
          acceptance: {
            email: "jane.doe@example.com",
            name: "Jane Doe",
            acceptedAt: seenAt,
            total: 18500,
          },
          contact: { by: "email", email: "jane.doe@example.com", from: "acceptance" },
        },
      },
    },
  ];
}

/** The events seen, newest first, then the examples not seen (of one source, if given). */
export function withExamples(seen: SampleEvent[], now: number, source?: string): SampleEvent[] {
  const all = [
    ...seen,
    ...exampleSamples(now).filter((x) => !seen.some((s) => s.event.id === x.event.id)),
  ];
  return source ? all.filter((s) => s.source === source) : all;
}

import { finding, type Finding } from './findings.js';
import type { RenderedObject } from './render-chart.js';
import { containerEnv, isPipelineWorkload, matchesLabels, type Obj } from './rendered-objects.js';

/**
 * Scraping and the helm test must cover every service, once: a ServiceMonitor that misses a service
 * leaves its alerts silent, one that selects two Services of the same pods scrapes each pod twice and
 * doubles every sum, and a helm test that skips a service passes while it is down.
 */
export function checkObservability(objects: readonly RenderedObject[], check: string): Finding[] {
  const findings: Finding[] = [];
  const workloads = objects.filter(isPipelineWorkload);
  const services = objects.filter((o) => o.object.kind === 'Service');
  const podLabels = (w: RenderedObject): Record<string, string> => (w.object as Obj).spec?.template?.metadata?.labels ?? {};
  const selects = (service: RenderedObject, w: RenderedObject) => matchesLabels((service.object as Obj).spec?.selector, podLabels(w));

  for (const { source, object } of objects.filter((o) => o.object.kind === 'ServiceMonitor')) {
    const monitor = object as Obj;
    const where = `ServiceMonitor/${monitor.metadata.name}`;
    const selected = services.filter((s) => matchesLabels(monitor.spec?.selector?.matchLabels, (s.object as Obj).metadata.labels ?? {}));
    const ports = ((monitor.spec?.endpoints ?? []) as Obj[]).map((e) => e.port);
    for (const service of selected) {
      const named = (((service.object as Obj).spec?.ports ?? []) as Obj[]).map((p) => p.name);
      for (const port of ports.filter((p) => !named.includes(p))) findings.push(finding(check, source, `${where}: Service ${service.object.metadata.name} has no port ${port}`));
    }
    for (const w of workloads) {
      const scraping = selected.filter((s) => selects(s, w));
      const name = `${w.object.kind}/${w.object.metadata.name}`;
      if (scraping.length === 0) findings.push(finding(check, source, `${where}: selects no Service of ${name}, so its metrics and alerts are missing`));
      if (scraping.length > 1) {
        findings.push(finding(check, source, `${where}: selects ${scraping.map((s) => s.object.metadata.name).join(' and ')} for ${name}: every pod would be scraped twice and its counters summed twice`));
      }
    }
  }

  for (const { source, object } of objects.filter((o) => o.object.kind === 'Pod' && (o.object as Obj).metadata.annotations?.['helm.sh/hook'] === 'test')) {
    const where = `Pod/${object.metadata.name}`;
    const container = (((object as Obj).spec?.containers ?? []) as Obj[])[0] ?? {};
    const urls = String(containerEnv(container, objects, 'READYZ_URLS')?.value ?? '').split(/\s+/).filter(Boolean).map(parseUrl);
    for (const w of workloads) {
      const covered = urls.some((url) => {
        const service = services.find((s) => s.object.metadata.name === url?.hostname.split('.')[0]);
        const port = (((service?.object as Obj | undefined)?.spec?.ports ?? []) as Obj[]).some((p) => String(p.port) === url?.port);
        return service !== undefined && selects(service, w) && port && url?.pathname === '/readyz';
      });
      if (!covered) findings.push(finding(check, source, `${where}: does not ask ${w.object.kind}/${w.object.metadata.name}'s /readyz through a Service port`));
    }
  }
  return findings;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { envSchema, loadConfig } from '../../src/config.js';

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

/** The kinds shipped, each with kubernetes-models' validator (the Kubernetes OpenAPI schemas, compiled by ajv). */
const MODELS: Record<string, (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': (data) => new Deployment(data),
  'policy/v1/PodDisruptionBudget': (data) => new PodDisruptionBudget(data),
  'v1/ConfigMap': (data) => new ConfigMap(data),
  'v1/Secret': (data) => new Secret(data),
  'v1/Service': (data) => new Service(data),
};

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [field: string]: unknown };

function manifests(): { file: string; doc: Manifest }[] {
  return readdirSync(DIR)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((document) => {
        assert.equal(document.errors.length, 0, `${file}: ${document.errors.join('; ')}`);
        return { file, doc: document.toJS() as Manifest };
      }),
    );
}

const all = manifests();
const one = <T>(kind: string) => {
  const found = all.filter(({ doc }) => doc.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!.doc as unknown as T;
};

interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  image: string;
  ports: { name: string; containerPort: number }[];
  envFrom: ({ configMapRef?: { name: string }; secretRef?: { name: string } })[];
  env: { name: string; value: string }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
}
interface DeploymentDoc {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
  };
}

describe('deploy/kubernetes manifests', () => {
  it('every document validates against the Kubernetes schema of its kind', () => {
    assert.ok(all.length >= 5);
    for (const { file, doc } of all) {
      const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      assert.ok(model, `${file}: ${doc.apiVersion} ${doc.kind} is one of the kinds this test knows`);
      assert.doesNotThrow(() => model(doc as never).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`);
    }
  });

  it('the validation is real: a broken Deployment is refused', () => {
    const broken = structuredClone(one<DeploymentDoc>('Deployment'));
    (broken.spec.template.spec.containers[0]!.ports[0] as { containerPort: unknown }).containerPort = 'http';
    assert.throws(() => new Deployment(broken as never).validate(), /containerPort/);
  });

  it('kustomization.yaml lists every manifest except the example Secret', () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
    const files = new Set(all.map(({ file }) => file).filter((file) => !file.startsWith('secret.')));
    assert.deepEqual(new Set(kustomization.resources), files);
  });

  it('the Deployment has probes on the service’s endpoints, resources, a non-root read-only container and its config from the ConfigMap and Secret', () => {
    const deployment = one<DeploymentDoc>('Deployment');
    const [container] = deployment.spec.template.spec.containers;
    assert.ok(container);
    assert.ok(deployment.spec.replicas >= 2, 'more than one replica, so the PodDisruptionBudget can allow a drain');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz', 'liveness never depends on Redis');
    assert.equal(container.startupProbe.httpGet.path, '/healthz');
    const portNames = container.ports.map((port) => port.name);
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) assert.ok(portNames.includes(probe.httpGet.port));
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(
      container.envFrom.map((source) => source.configMapRef?.name ?? source.secretRef?.name),
      [one<Manifest>('ConfigMap').metadata.name, one<Manifest>('Secret').metadata.name],
    );
  });

  it('the configuration it produces is one the service accepts, with only variables the service knows', () => {
    const deployment = one<DeploymentDoc>('Deployment');
    const [container] = deployment.spec.template.spec.containers;
    const env: Record<string, string> = {
      ...(one<{ data: Record<string, string> }>('ConfigMap').data),
      ...(one<{ stringData: Record<string, string> }>('Secret').stringData),
      ...Object.fromEntries(container!.env.map((variable) => [variable.name, variable.value])),
    };
    const known = new Set(Object.keys(envSchema.shape));
    for (const name of Object.keys(env)) assert.ok(known.has(name), `${name} is a setting of the service`);
    const config = loadConfig(env);
    assert.equal(config.store.kind, 'redis', 'replicas share tokens only through Redis');
    assert.equal(String(config.port), String(container!.ports.find((port) => port.name === 'http')?.containerPort));
    assert.equal(String(config.metricsPort), String(container!.ports.find((port) => port.name === 'metrics')?.containerPort));
    assert.ok(config.shutdownDelayMs >= 5000, 'SHUTDOWN_DELAY_MS covers the endpoint removal lag');
    const graceMs = deployment.spec.template.spec.terminationGracePeriodSeconds * 1000;
    assert.ok(graceMs > config.shutdownDelayMs + config.shutdownTimeoutMs, 'the kubelet waits for the delay and the drain before SIGKILL');
  });

  it('the Service and the PodDisruptionBudget select the Deployment’s pods, and the Service targets its named ports', () => {
    const deployment = one<DeploymentDoc>('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
    assert.ok(matches(deployment.spec.selector.matchLabels));
    const service = one<{ spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }>('Service');
    assert.ok(matches(service.spec.selector));
    const portNames = deployment.spec.template.spec.containers[0]!.ports.map((port) => port.name);
    for (const port of service.spec.ports) assert.ok(portNames.includes(port.targetPort), port.targetPort);
    const pdb = one<{ spec: { selector: { matchLabels: Record<string, string> }; minAvailable: number } }>('PodDisruptionBudget');
    assert.ok(matches(pdb.spec.selector.matchLabels));
    assert.ok(pdb.spec.minAvailable < deployment.spec.replicas, 'a node drain can proceed');
  });
});

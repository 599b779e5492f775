/**
 * A private LAN for tests: network namespaces joined by a bridge that lives
 * in a namespace of its own, so nothing the hosts send (mDNS multicast
 * included) ever reaches this machine's own interfaces or a real network.
 *
 * Needs root and iproute2 (`ip`), as CI has. Addresses come from
 * 10.233.<pid % 250>.0/24, a block that exists only on this bridge.
 *
 * @public
 */
import { execFileSync } from 'node:child_process';

/** One machine on the test LAN. */
export interface LanNode {
  /** The namespace's name (for `ip netns exec`). */
  namespace: string;
  /** Its IPv4 address on the bridge. */
  address: string;
}

/** A test LAN; remove it with {@link TestLan.destroy}. */
export interface TestLan {
  nodes: LanNode[];
  /** Cuts a node off the LAN (its link goes down), as a pulled cable would. */
  unplug(node: LanNode): void;
  /** Removes every namespace and link it made (safe to call twice). */
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/**
 * Creates `count` namespaces on one bridge. Each gets loopback, an address
 * and a multicast route, so mDNS works between them as on a real LAN.
 *
 * @param label - a short tag (letters) that keeps names of parallel test files apart
 */
export function createTestLan(label: string, count: number): TestLan {
  const tag = `${label}${process.pid % 10_000}`;
  const subnet = `10.233.${process.pid % 250}`;
  const switchNamespace = `lcsw${tag}`;
  const nodes: LanNode[] = [];
  let destroyed = false;
  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    for (const name of [...nodes.map((node) => node.namespace), switchNamespace]) {
      try {
        // Deleting a namespace deletes its end of each veth pair, and with it the other end.
        ip('netns', 'del', name);
      } catch {
        // Not created (a failure part-way through set-up): nothing to remove.
      }
    }
  };
  try {
    ip('netns', 'add', switchNamespace);
    ip('-n', switchNamespace, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', switchNamespace, 'link', 'set', 'br0', 'up');
    for (let index = 0; index < count; index += 1) {
      const namespace = `lc${tag}n${index}`;
      const address = `${subnet}.${index + 1}`;
      ip('netns', 'add', namespace);
      nodes.push({ namespace, address });
      // Both ends are created inside the node's namespace, then one moves to the switch.
      ip('-n', namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${index}`);
      ip('-n', namespace, 'link', 'set', `p${index}`, 'netns', switchNamespace);
      ip('-n', switchNamespace, 'link', 'set', `p${index}`, 'master', 'br0');
      ip('-n', switchNamespace, 'link', 'set', `p${index}`, 'up');
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', namespace, 'link', 'set', 'eth0', 'multicast', 'on');
      ip('-n', namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
      ip('-n', namespace, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
    }
  } catch (error) {
    destroy();
    throw error;
  }
  return {
    nodes,
    unplug(node) {
      ip('-n', node.namespace, 'link', 'set', 'eth0', 'down');
    },
    destroy,
  };
}

"""Opens many HTTP connections from the node and holds them: each sends one request, reads at most
`--read` bytes of the answer (0: nothing, so the server's buffers fill), prints a summary line when
all are open, then keeps them until stdin closes. Standard library only (Debian's python3)."""
import argparse, json, selectors, socket, sys, time

p = argparse.ArgumentParser()
p.add_argument('--host', required=True)
p.add_argument('--port', type=int, required=True)
p.add_argument('--path', default='/')
p.add_argument('--header', action='append', default=[])
p.add_argument('--count', type=int, required=True)
p.add_argument('--read', type=int, default=0)
p.add_argument('--source', default='')
p.add_argument('--batch', type=int, default=0, help='open this many, then pause')
p.add_argument('--pause', type=float, default=0.5)
a = p.parse_args()

has_host = any(h.lower().startswith('host:') for h in a.header)
request = f"GET {a.path} HTTP/1.1\r\n" + ('' if has_host else f"Host: {a.host}\r\n") + ''.join(h + '\r\n' for h in a.header) + "\r\n"
socks, failed = [], 0
for i in range(a.count):
    if a.batch and i and i % a.batch == 0:
        time.sleep(a.pause)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    if a.source:
        s.bind((a.source, 0))
    try:
        s.connect((a.host, a.port))
        s.sendall(request.encode())
        socks.append(s)
    except OSError:
        failed += 1
received, statuses = 0, {}
if a.read:
    deadline = time.time() + 60
    for s in socks:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            data = s.recv(a.read)
        except OSError:
            data = b''
        received += len(data)
        parts = data.split(b' ', 2)
        status = parts[1].decode() if len(parts) > 1 and data.startswith(b'HTTP/') else 'none'
        statuses[status] = statuses.get(status, 0) + 1
print(json.dumps({'open': len(socks), 'failed': failed, 'received': received, 'statuses': statuses}), flush=True)
sys.stdin.read()

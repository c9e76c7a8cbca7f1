# The runbook worker as a container: the compiled package (`npm run build`, production
# dependencies only) and the Node.js binary of the machine that built it, on the project's Debian
# base. Built by sandbox/images/build-worker.sh; see README "Deploying the worker".
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
COPY app /opt/flink-runbooks
# The worker runs as an unprivileged user; give it the Docker socket's group at `docker run`
# (--group-add) for the runbooks that stop, start or read containers.
RUN node --version >/dev/null \
 && useradd --system --uid 10001 --home-dir /var/lib/flink-runbooks --create-home \
      --shell /usr/sbin/nologin flink-runbooks \
 && mkdir -p /var/lib/flink-runbooks/reports \
 && chown -R flink-runbooks /var/lib/flink-runbooks \
 && ln -s /opt/flink-runbooks/bin/flink-runbooks.js /usr/local/bin/flink-runbooks
USER flink-runbooks
WORKDIR /var/lib/flink-runbooks
ENV NODE_ENV=production FLINK_RUNBOOKS_METRICS=127.0.0.1:9464
# Ready once connected to Temporal and polling (the worker's /healthz).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch('http://'+process.env.FLINK_RUNBOOKS_METRICS+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/node", "/opt/flink-runbooks/dist/worker.js"]

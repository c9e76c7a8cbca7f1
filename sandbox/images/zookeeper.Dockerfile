# ZooKeeper 3.8 from Debian's package, in the foreground, client port from ZOO_CLIENT_PORT.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY zookeeper-entrypoint.sh /docker-entrypoint.sh
ENTRYPOINT ["/docker-entrypoint.sh"]

# Flink with the official image's interface: /opt/flink, entrypoint jobmanager|taskmanager|
# standalone-job, configuration from FLINK_PROPERTIES. Built FROM the local Debian base.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ENV FLINK_HOME=/opt/flink
ENV PATH=/opt/flink/bin:$PATH
COPY flink /opt/flink
COPY flink-entrypoint.sh /docker-entrypoint.sh
WORKDIR /opt/flink
ENTRYPOINT ["/docker-entrypoint.sh"]

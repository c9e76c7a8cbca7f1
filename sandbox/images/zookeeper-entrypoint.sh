#!/bin/bash
# Single-node ZooKeeper for the sandbox: loopback only, admin server off, data in ZOO_DATA_DIR,
# logs on stdout (slf4j-simple; Debian's classpath otherwise binds the silent NOP logger).
set -euo pipefail
port="${ZOO_CLIENT_PORT:-2181}"
data="${ZOO_DATA_DIR:-/data/zookeeper}"
mkdir -p "$data" /etc/zookeeper-sandbox
echo 1 >"$data/myid" # Debian ships a placeholder myid that ZooKeeper refuses
cat >/etc/zookeeper-sandbox/zoo.cfg <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$data
clientPort=$port
clientPortAddress=${ZOO_CLIENT_ADDRESS:-127.0.0.1}
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,srvr,mntr
CFG
classpath=$(ls /usr/share/java/*.jar | grep -vE 'slf4j-(nop|log4j12|jcl|jdk14)' | tr '\n' ':')
exec java ${ZOO_JVM_FLAGS:--Xmx256m} -Dorg.slf4j.simpleLogger.showDateTime=true \
  -cp "$classpath" org.apache.zookeeper.server.quorum.QuorumPeerMain /etc/zookeeper-sandbox/zoo.cfg

#!/bin/sh
# Installs coturn with the configuration turn.bicep rendered (passed base64-encoded as $1) and (re)starts it.
set -eu
export DEBIAN_FRONTEND=noninteractive
if ! command -v turnserver >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends coturn
fi
umask 077
printf '%s' "$1" | base64 -d > /etc/turnserver.conf
chown turnserver:turnserver /etc/turnserver.conf
sed -i 's/^#\?TURNSERVER_ENABLED=.*/TURNSERVER_ENABLED=1/' /etc/default/coturn
systemctl enable coturn
systemctl restart coturn

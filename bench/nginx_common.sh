# Shared by bench/run.sh and bench/isolated.sh: the nginx configuration both start from.
# shellcheck shell=bash

nginx_escape() {  # for a single-quoted nginx string: escape \ and ', turn newlines into \n
  local s="${1//\\/\\\\}"
  s="${s//\'/\\\'}"
  printf '%s' "${s//$'\n'/\\n}"
}

nginx_common() {  # nginx_common DIR: the parts both nginx instances share
  cat <<EOF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/client_body_temp;
  proxy_temp_path $1/proxy_temp;
  fastcgi_temp_path $1/fastcgi_temp;
  uwsgi_temp_path $1/uwsgi_temp;
  scgi_temp_path $1/scgi_temp;
  # Steady state: never close client keep-alive connections during a run (the default closes every 1000).
  keepalive_requests 100000000;
  keepalive_timeout 120s;
EOF
}

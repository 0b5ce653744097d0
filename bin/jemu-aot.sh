# Sourced by the launchers: JVM start-up through a JDK AOT cache (JEP 483/514).
# jemu_aot MAIN NAME [TRAIN_OPTS]: if target/jemu-NAME.aot is newer than the jar, adds -XX:AOTCache to
# JEMU_JAVA_OPTS (and sets JEMU_AOT_ADDED=1 when JEMU_JAVA_OPTS was unset before); otherwise records the
# cache once, in the background, by running "MAIN --jemu-train" (a built-in training run that touches no
# user file) with the JVM options TRAIN_OPTS.
# JEMU_NO_AOT=1 turns this off.
jemu_aot() {
  local main="$1" name="$2" train="${3:-}" here root jar aot
  # bash builtins only (readlink only for a symlink): forks cost start-up time
  here="${BASH_SOURCE[0]}"; [ -L "$here" ] && here="$(readlink -f "$here")"
  case "$here" in /*) ;; *) here="$PWD/$here" ;; esac
  here="${here%/*}"; root="${here%/*}"
  jar="$root/target/jemu.jar"; aot="$root/target/jemu-$name.aot"
  JEMU_AOT_ADDED=""
  [ -z "${JEMU_NO_AOT:-}" ] && [ -f "$jar" ] || return 0
  if [ -f "$aot" ] && [ "$aot" -nt "$jar" ]; then
    [ -z "${JEMU_JAVA_OPTS+x}" ] && JEMU_AOT_ADDED=1
    export JEMU_JAVA_OPTS="-XX:AOTCache=$aot -Xlog:disable ${JEMU_JAVA_OPTS:-}"
  elif [ -w "$root/target" ]; then
    find "$aot.lock" -maxdepth 0 -mmin +10 -exec rmdir {} \; 2>/dev/null
    if mkdir "$aot.lock" 2>/dev/null; then
      # double fork: the trainer is not a child of the JVM that follows, so nothing can wait for it
      ( ( rm -f "$aot"; JEMU_JAVA_OPTS="-XX:AOTCacheOutput=$aot.tmp -Xlog:disable $train" \
          "$here/jemu-launcher" "$main" --jemu-train </dev/null >/dev/null 2>&1 \
          && [ -f "$aot.tmp" ] && mv -f "$aot.tmp" "$aot"; rm -f "$aot.tmp"; rmdir "$aot.lock" ) & )
    fi
  fi
}

# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# plot-proxy.gp - bench/proxy/run-proxy.sh's PNG: msgs/s (top), the proxy's
# CPU time per message (middle) and its peak RSS (bottom) for every size x
# connections, one bar per proxy.
#
# gnuplot -e "msgs='M.dat'; cpu='C.dat'; rss='R.dat'; out='X.png'; nprox=5; title='...'" \
#         bench/proxy/plot-proxy.gp
# M.dat, C.dat and R.dat: a header line (combo "proxy" ...), then one line
# per combination ("64B x50" value ...), as bench/proxy/proxy_table.py
# writes them.

if (!exists("title")) title = "proxy benchmark"
set terminal pngcairo size 1400,1200 font "sans,10" noenhanced
set output out
set multiplot layout 3,1 title title
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set yrange [0:*]
set xtics nomirror
set datafile missing "NaN"

set title "messages per second through the proxy (higher is better)"
set ylabel "msgs/s"
plot for [i=2:nprox+1] msgs using i:xtic(1) title columnheader(i)

set title "proxy CPU time per message (lower is better)"
set ylabel "us CPU / msg"
plot for [i=2:nprox+1] cpu using i:xtic(1) title columnheader(i)

set title "proxy peak RSS, VmHWM (lower is better)"
set ylabel "MiB"
plot for [i=2:nprox+1] rss using i:xtic(1) title columnheader(i)

unset multiplot

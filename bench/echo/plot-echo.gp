# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# plot-echo.gp - bench/echo/run-echo.sh's PNG: msgs/s (top) and server CPU time
# per message (bottom) for every size x connections, one bar per server.
#
# gnuplot -e "msgs='M.dat'; cpu='C.dat'; out='X.png'; nserv=3; title='...'" \
#         bench/echo/plot-echo.gp
# M.dat and C.dat: a header line (combo "server" ...), then one line per
# combination ("64B x50" value ...), as bench/echo_table.py writes them.

if (!exists("title")) title = "echo benchmark"
set terminal pngcairo size 1400,900 font "sans,10" noenhanced
set output out
set multiplot layout 2,1 title title
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set yrange [0:*]
set xtics nomirror
set datafile missing "NaN"

set title "messages per second (higher is better)"
set ylabel "msgs/s"
plot for [i=2:nserv+1] msgs using i:xtic(1) title columnheader(i)

set title "server CPU time per message (lower is better)"
set ylabel "us CPU / msg"
plot for [i=2:nserv+1] cpu using i:xtic(1) title columnheader(i)

unset multiplot

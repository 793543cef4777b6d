// Command dashboard serves the analytics dashboard on 127.0.0.1, reading the local warehouse or a deployed environment through the Redshift Data API, and writes it as a self-contained HTML report.
package main

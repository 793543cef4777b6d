// Package localrun runs the chatstream producer side on one machine: kinesis-local and the Lambda Runtime Interface Emulator on 127.0.0.1, the real producer binary, and a read-back of every record it wrote.
package localrun
